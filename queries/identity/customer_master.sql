-- One row per person (core/customer_master), kids without contact details included.
with

records as (
  select * from id_customer_records
),

-- Survivorship: every golden field takes the value of the most trusted source that has one
-- (id_source_trust: capitan, then stripe, square, mailchimp, then any other source), the most
-- recently seen record first, then the lowest record id. Contacts nobody else uses win over a
-- family's shared email or phone, and an unambiguous birth date over one whose day and month could
-- be either way round. Each rule is a sort key; the golden value is the one with the smallest key.
ranked as (
  select
    *,
    {
      'trust': trust_rank,
      'recency': -epoch_ms(coalesce(seen_at, timestamptz '1900-01-01 00:00:00+00')),
      'record': record_id
    } as by_trust,
    {
      'shared': email_is_shared,
      'trust': trust_rank,
      'recency': -epoch_ms(coalesce(seen_at, timestamptz '1900-01-01 00:00:00+00')),
      'record': record_id
    } as by_email,
    {
      'shared': phone_is_shared,
      'trust': trust_rank,
      'recency': -epoch_ms(coalesce(seen_at, timestamptz '1900-01-01 00:00:00+00')),
      'record': record_id
    } as by_phone,
    {
      'ambiguous': dob_status = 'ambiguous',
      'trust': trust_rank,
      'recency': -epoch_ms(coalesce(seen_at, timestamptz '1900-01-01 00:00:00+00')),
      'record': record_id
    } as by_birth_date
  from records
),

golden as (
  select
    customer_id,
    arg_min(coalesce(first_name, split_part(trim(full_name), ' ', 1)), by_trust) filter (where fn is not null)
      as first_name,
    arg_min(coalesce(last_name, ln), by_trust) filter (where ln is not null) as last_name,
    arg_min(email_norm, by_email) filter (where email_valid) as email,
    arg_min(phone_e164, by_phone) filter (where phone_e164 is not null) as phone,
    arg_min(dob, by_birth_date) filter (where dob is not null) as birth_date,
    arg_min(dob_status = 'ambiguous', by_birth_date) filter (where dob is not null) as birth_date_is_ambiguous,
    arg_min(address_raw, by_trust) filter (where address is not null) as address,
    arg_min(city_raw, by_trust) filter (where city is not null) as city,
    arg_min(postal, by_trust) filter (where postal is not null) as postal_code,
    min(seen_at) as first_seen,
    max(seen_at) as last_seen,
    list_sort(list_distinct(list(source))) as sources,
    count(*)::integer as record_count,
    any_value(household_id) as household_id,
    min(customer_created_at) as customer_created_at
  from ranked
  group by customer_id
),

final as (
  select
    customer_id,
    first_name,
    last_name,
    email,
    phone,
    birth_date,
    birth_date_is_ambiguous,
    birth_date > ($as_of::date - interval 18 years) as is_minor,
    address,
    city,
    postal_code,
    first_seen,
    last_seen,
    sources,
    record_count,
    household_id,
    customer_created_at
  from golden
)

select * from final
