-- Every distinct email of the input, parsed once: trimmed and lower-cased, checked, its user name
-- and matching key (Gmail ignores dots; +tags are dropped), and whether it names a role or a whole
-- family rather than one person.
with

input as (
  select * from id_input
),

-- `Ada Lovelace <ada@example.com>`: the address is what is inside the angle brackets.
addresses as (
  select email, lower(trim(coalesce(nullif(regexp_extract(email, '<([^<>]+)>', 1), ''), email))) as email_norm
  from (select distinct email from input where email is not null)
),

emails as (
  select
    email,
    email_norm,
    regexp_full_match(
      email_norm,
      '[a-z0-9!#$%&''*+/=?^_`{|}~.-]+@[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*\.[a-z]{2,}'
    ) as email_valid
  from addresses
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
)

select email, email_norm, email_valid, email_local, email_key, email_is_role from email_keys
