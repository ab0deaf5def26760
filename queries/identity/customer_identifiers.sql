-- One row per identifier per source record (core/customer_identifiers): emails, phones and source
-- account ids, raw and normalised, with how the record joined its customer. Invalid emails and
-- phones are left out (they were rejected and counted).
with

-- Not materialized: each kind of identifier reads its own columns of the table in place (a copy of
-- all its columns, at a million records, cost more than the rest of this step).
records as not materialized (
  select * from id_customer_records
),

identifiers as (
  select customer_id, 'email' as identifier_type, email as identifier_value, email_norm as normalized_value,
         email_is_shared as is_shared, source, record_id, confidence, match_rule
  from records where email_valid
  union all
  select customer_id, 'phone', phone, phone_e164, phone_is_shared, source, record_id, confidence, match_rule
  from records where phone_e164 is not null
  union all
  select customer_id, 'capitan_customer_id', capitan_customer_id, capitan_customer_id, false, source, record_id,
         confidence, match_rule
  from records where capitan_customer_id is not null
  union all
  select customer_id, 'stripe_customer_id', stripe_customer_id, stripe_customer_id, false, source, record_id,
         confidence, match_rule
  from records where stripe_customer_id is not null
  union all
  select customer_id, 'square_customer_id', square_customer_id, square_customer_id, false, source, record_id,
         confidence, match_rule
  from records where square_customer_id is not null
),

final as (
  select
    customer_id,
    identifier_type,
    identifier_value,
    normalized_value,
    is_shared,
    source,
    record_id as source_record_id,
    confidence,
    match_rule
  from identifiers
)

select * from final
