-- One row per person (core/customer_master), kids without contact details included.
with

records as (
  select * from id_customer_records
),

-- Survivorship: every golden field takes the value of the most trusted source that has one
-- (id_source_trust: capitan, then stripe, square, mailchimp, then any other source), the most
-- recently seen record first, then the lowest record id. Contacts nobody else uses win over a
-- family's shared email or phone, and an unambiguous birth date over one whose day and month could
-- be either way round.
golden as (
  select
    customer_id,
    first(coalesce(first_name, split_part(trim(full_name), ' ', 1)) order by trust_rank, seen_at desc nulls last, record_id)
      filter (where fn is not null) as first_name,
    first(coalesce(last_name, ln) order by trust_rank, seen_at desc nulls last, record_id)
      filter (where ln is not null) as last_name,
    first(email_norm order by email_is_shared, trust_rank, seen_at desc nulls last, record_id)
      filter (where email_valid) as email,
    first(phone_e164 order by phone_is_shared, trust_rank, seen_at desc nulls last, record_id)
      filter (where phone_e164 is not null) as phone,
    first(dob order by dob_status = 'ambiguous', trust_rank, seen_at desc nulls last, record_id)
      filter (where dob is not null) as birth_date,
    first(dob_status = 'ambiguous' order by dob_status = 'ambiguous', trust_rank, seen_at desc nulls last, record_id)
      filter (where dob is not null) as birth_date_is_ambiguous,
    first(address_raw order by trust_rank, seen_at desc nulls last, record_id) filter (where address is not null)
      as address,
    first(city_raw order by trust_rank, seen_at desc nulls last, record_id) filter (where city is not null) as city,
    first(postal order by trust_rank, seen_at desc nulls last, record_id) filter (where postal is not null)
      as postal_code,
    min(seen_at) as first_seen,
    max(seen_at) as last_seen,
    list_sort(list_distinct(list(source))) as sources,
    count(*)::integer as record_count,
    any_value(household_id) as household_id,
    min(customer_created_at) as customer_created_at
  from records
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

select * from final order by customer_id
