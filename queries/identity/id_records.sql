-- One row per input record, every field normalised for matching. Names are folded (case, accents,
-- punctuation); titles are dropped and a Jr/Sr suffix is kept apart as evidence; a full name fills
-- whatever first or last name is missing ("Smith, John" and "John Q de la Cruz Jr." both parse).
-- Emails are trimmed and lower-cased, invalid ones dropped, role and family addresses marked.
-- Phones and birth dates come from the lookups parsed in TypeScript (libphonenumber, date formats).
-- Names and emails are parsed once per distinct value: a member's forty charges carry one name.
-- Only what matching needs is kept; the outputs read the raw values back from id_input.
with

input as (
  select * from id_input
),

distinct_names as (
  select distinct first_name, last_name, full_name, preferred_name from input
),

tokens as (
  select
    *,
    list_filter(
      string_split(id_fold(first_name), ' '),
      t -> t <> '' and t not in ('mr', 'mrs', 'ms', 'miss', 'mx', 'dr', 'prof', 'rev')
    ) as first_tokens,
    list_filter(string_split(id_fold(preferred_name), ' '), t -> t <> '') as preferred_tokens,
    list_filter(string_split(id_fold(last_name), ' '), t -> t <> '') as last_tokens,
    list_filter(
      string_split(
        id_fold(
          case
            when regexp_matches(full_name, ',\s*(jr|sr|ii|iii|iv)\.?\s*$', 'i') then replace(full_name, ',', ' ')
            when contains(full_name, ',') then split_part(full_name, ',', 2) || ' ' || split_part(full_name, ',', 1)
            else full_name
          end
        ),
        ' '
      ),
      t -> t <> '' and t not in ('mr', 'mrs', 'ms', 'miss', 'mx', 'dr', 'prof', 'rev')
    ) as full_tokens
  from distinct_names
),

name_parts as (
  select
    *,
    list_filter(last_tokens, t -> t not in ('jr', 'sr', 'ii', 'iii', 'iv')) as last_core,
    list_filter(full_tokens, t -> t not in ('jr', 'sr', 'ii', 'iii', 'iv')) as full_core,
    coalesce(
      list_filter(last_tokens, t -> t in ('jr', 'sr', 'ii', 'iii', 'iv'))[-1],
      list_filter(full_tokens, t -> t in ('jr', 'sr', 'ii', 'iii', 'iv'))[-1]
    ) as suffix
  from tokens
),

names as (
  select
    *,
    coalesce(first_tokens[1], full_core[1]) as fn,
    preferred_tokens[1] as pf,
    case
      when len(last_core) > 0 then array_to_string(last_core, '')
      when len(full_core) >= 2 then
        -- The surname is the last word, with any particles before it (de la Cruz, van Dyke).
        case
          when list_position(
            list_transform(full_core[2:len(full_core) - 1], t -> t in ('de', 'del', 'della', 'la', 'le', 'van', 'von', 'der', 'den', 'di', 'da', 'du', 'st', 'saint', 'mac', 'ben', 'bin', 'al', 'el')),
            true
          ) is not null
            then array_to_string(
              full_core[1 + list_position(
                list_transform(full_core[2:len(full_core) - 1], t -> t in ('de', 'del', 'della', 'la', 'le', 'van', 'von', 'der', 'den', 'di', 'da', 'du', 'st', 'saint', 'mac', 'ben', 'bin', 'al', 'el')),
                true
              ):],
              ''
            )
          else full_core[-1]
        end
    end as ln
  from name_parts
),

emails as (
  select
    email,
    lower(email) as email_norm,
    regexp_full_match(
      lower(email),
      '[a-z0-9!#$%&''*+/=?^_`{|}~.-]+@[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*\.[a-z]{2,}'
    ) as email_valid
  from (select distinct email from input where email is not null)
),

email_parts as (
  select
    *,
    case when email_valid then regexp_replace(split_part(email_norm, '@', 1), '\+.*$', '') end as email_local,
    case when email_valid then split_part(email_norm, '@', 2) end as email_domain
  from emails
),

email_keys as (
  select
    *,
    case
      when not email_valid then null
      when email_domain in ('gmail.com', 'googlemail.com') then replace(email_local, '.', '') || '@gmail.com'
      else email_local || '@' || email_domain
    end as email_key,
    -- Addresses that name a role or a whole family, or say there is no address: never one person's.
    coalesce(
      email_valid
      and (
        regexp_full_match(
          email_local,
          '(info|admin|office|front\.?desk|reception|contact|hello|hi|support|sales|billing|accounts?|accounting|team|'
          || 'no\.?reply|do\.?not\.?reply|webmaster|postmaster|mail|help|staff|bookings?|events?|marketing|orders?|'
          || 'service|customerservice|desk|manager|hr|jobs|careers|members(hip)?|enquiries|inquiries|test|none|'
          || 'no\.?email|noemail|na|n\.a|unknown|nobody|fake|example|email|abc|asdf|x+)'
        )
        or contains(email_local, 'family')
        or email_domain in ('example.com', 'example.org', 'test.com', 'none.com', 'noemail.com', 'email.com')
      ),
      false
    ) as email_is_role
  from email_parts
),

normalised as (
  select
    i.record_id,
    coalesce(lower(i.source), nullif(split_part(i.record_id, ':', 1), i.record_id)) as source,
    n.fn,
    n.pf,
    n.ln,
    n.suffix,
    e.email_norm,
    e.email_valid,
    e.email_is_role,
    case when e.email_valid and not e.email_is_role then e.email_key end as email_match,
    case when e.email_valid and not e.email_is_role then e.email_local end as email_user,
    p.phone_e164,
    d.birth_date as dob,
    d.birth_date_alt as dob_alt,
    d.birth_date_status as dob_status,
    id_fold(i.city) as city,
    coalesce(
      nullif(regexp_extract(i.postal_code, '(\d{5})(-?\d{4})?', 1), ''),
      nullif(upper(regexp_replace(i.postal_code, '[^A-Za-z0-9]', '', 'g')), '')
    ) as postal,
    nullif(
      trim(regexp_replace(
        regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(
          regexp_replace(lower(strip_accents(i.address)), '[^a-z0-9 ]+', ' ', 'g'),
          '\bstreet\b', 'st', 'g'), '\bavenue\b', 'ave', 'g'), '\broad\b', 'rd', 'g'), '\bdrive\b', 'dr', 'g'),
          '\blane\b', 'ln', 'g'), '\bboulevard\b', 'blvd', 'g'), '\bcourt\b', 'ct', 'g'),
        '\s+', ' ', 'g'
      )),
      ''
    ) as address,
    i.capitan_customer_id,
    i.stripe_customer_id,
    i.square_customer_id,
    i.membership_owner_id,
    list_filter(list_transform(string_split(i.household_hint, '|'), h -> trim(h)), h -> h <> '') as household_hints,
    try_cast(i.seen_at as timestamptz) as seen_at
  from input as i
  left join names as n
    on n.first_name is not distinct from i.first_name
    and n.last_name is not distinct from i.last_name
    and n.full_name is not distinct from i.full_name
    and n.preferred_name is not distinct from i.preferred_name
  left join email_keys as e on e.email = i.email
  left join id_phone_lookup as p on p.phone_raw = i.phone
  left join id_birth_date_lookup as d on d.birth_date_raw = i.birth_date
),

final as (
  select * from normalised
)

select * from final
