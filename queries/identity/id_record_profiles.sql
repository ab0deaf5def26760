-- One row per input record, every field normalised for matching, with the names and emails
-- parsed once per distinct value (id_parsed_names, id_parsed_emails) and phones and birth dates from
-- the lookups parsed in TypeScript (libphonenumber, date formats). Only what matching needs is kept;
-- the outputs read the raw values back from id_input.
--
-- Records whose matching evidence is identical (same names, suffix, email, phone, birth date, place)
-- form one profile, matched once: a member's forty renewal charges are one profile, not 780 pairs.
-- Only evidence that names one person can make records identical: a record with neither a usable
-- email nor a phone stays a profile of its own, since two bare "John Smith"s may be two people.
-- Records are grouped by a 64-bit hash of their evidence: two different evidence sets sharing a hash
-- (odds about 1 in 10^8 for a million profiles) would be taken for one profile.
with

names as (
  select * from id_parsed_names
),

email_keys as (
  select * from id_parsed_emails
),

-- An address line that also holds the city, state and ZIP ("12 Oak St, Waco, TX 76701"): its
-- street part is the address, and the rest fills the city, state and postal code when they are empty.
-- Parsed once per distinct address, not once per record.
address_parts as (
  select
    address,
    regexp_extract(
      address,
      '^(.+?),\s*([^,]+?),\s*([A-Za-z]{2})\.?\s+(\d{5}(?:-\d{4})?)\s*$',
      ['street', 'city', 'state', 'zip']
    ) as part
  from (select distinct address from id_input where address is not null)
),

address_lines as (
  select
    address,
    nullif(part.city, '') as line_city,
    nullif(part.state, '') as line_state,
    nullif(part.zip, '') as line_zip,
    nullif(
      trim(regexp_replace(
        regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(
          regexp_replace(lower(strip_accents(coalesce(nullif(part.street, ''), address))), '[^a-z0-9 ]+', ' ', 'g'),
          '\bstreet\b', 'st', 'g'), '\bavenue\b', 'ave', 'g'), '\broad\b', 'rd', 'g'), '\bdrive\b', 'dr', 'g'),
          '\blane\b', 'ln', 'g'), '\bboulevard\b', 'blvd', 'g'), '\bcourt\b', 'ct', 'g'),
        '\s+', ' ', 'g'
      )),
      ''
    ) as address_norm
  from address_parts
),

normalised as (
  select
    i.record_id,
    coalesce(lower(i.source), nullif(split_part(i.record_id, ':', 1), i.record_id)) as source,
    n.fn,
    n.pf,
    n.fn_joined,
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
    -- Year and month of a whole or a partial date (Jan 1894): a partial date has no dob.
    d.birth_year as dob_year,
    d.birth_month as dob_month,
    d.birth_date_status as dob_status,
    coalesce(d.birth_date_minor, false) as minor,
    id_fold(coalesce(i.city, a.line_city)) as city,
    coalesce(
      nullif(regexp_extract(coalesce(i.postal_code, a.line_zip), '(\d{5})(-?\d{4})?', 1), ''),
      nullif(upper(regexp_replace(i.postal_code, '[^A-Za-z0-9]', '', 'g')), '')
    ) as postal,
    a.address_norm as address,
    nullif(upper(regexp_replace(i.national_id, '[^A-Za-z0-9]', '', 'g')), '') as nid,
    case
      when lower(trim(i.gender)) in ('f', 'female', 'w', 'woman') then 'f'
      when lower(trim(i.gender)) in ('m', 'male', 'man') then 'm'
    end as gender,
    nullif(upper(regexp_replace(coalesce(i.state, a.line_state), '[^A-Za-z]', '', 'g')), '') as state,
    i.capitan_customer_id,
    i.stripe_customer_id,
    i.square_customer_id,
    i.membership_owner_id,
    list_filter(list_transform(string_split(i.household_hint, '|'), h -> trim(h)), h -> h <> '') as household_hints,
    try_cast(i.seen_at as timestamptz) as seen_at
  from id_input as i
  left join address_lines as a on a.address = i.address
  left join names as n
    on coalesce(n.first_name, chr(0)) = coalesce(i.first_name, chr(0))
    and coalesce(n.last_name, chr(0)) = coalesce(i.last_name, chr(0))
    and coalesce(n.full_name, chr(0)) = coalesce(i.full_name, chr(0))
    and coalesce(n.preferred_name, chr(0)) = coalesce(i.preferred_name, chr(0))
  left join email_keys as e on e.email = i.email
  left join id_phone_lookup as p on p.phone_raw = i.phone
  left join id_birth_date_lookup as d on d.birth_date_raw = i.birth_date
),

keyed as (
  select
    *,
    hash(
      fn, pf, fn_joined, ln, suffix, email_match, phone_e164, dob, dob_alt, dob_year, dob_month, city, postal, address, nid, gender, state,
      case when email_match is null and phone_e164 is null then record_id end
    ) as evidence_hash
  from normalised
),

-- Profiles are numbered 1…n in the order of their first record id (random pair sampling draws
-- from that range). Numbered on the small table of evidence sets, so the wide records are joined once.
representatives as (
  select
    evidence_hash,
    rep_record_id,
    n_records,
    row_number() over (order by rep_record_id)::integer as profile_id
  from (
    select evidence_hash, min(record_id) as rep_record_id, count(*)::integer as n_records
    from keyed
    group by evidence_hash
  )
),

final as (
  select k.* exclude (evidence_hash), r.rep_record_id, r.n_records, r.profile_id
  from keyed as k
  join representatives as r using (evidence_hash)
)

select * from final
