-- One customer's records, how each joined, and the identifiers each carried.
with

records as (
  select * from resolved_records where customer_id = $customer_id
),

identifiers as (
  select
    source_record_id as record_id,
    string_agg(identifier_type || '=' || coalesce(identifier_value, normalized_value), ', ' order by identifier_type)
      as identifiers
  from customer_identifiers
  where customer_id = $customer_id
  group by source_record_id
),

final as (
  select r.record_id, r.source, r.match_tier, round(r.confidence, 4) as confidence, r.match_rule, i.identifiers
  from records as r
  left join identifiers as i using (record_id)
)

select * from final order by source, record_id
