-- The customers an explain argument names: a customer id (an alias resolves to the id that
-- survived), or the normalised email or E.164 phone of any of their records.
with

by_id as (
  select coalesce(a.customer_id, m.customer_id) as customer_id
  from customer_master as m
  left join customer_id_aliases as a on a.alias_id = $term
  where m.customer_id = coalesce(a.customer_id, $term)
),

by_identifier as (
  select distinct customer_id
  from customer_identifiers
  where identifier_type in ('email', 'phone') and normalized_value = $normalized
),

final as (
  select customer_id from by_id
  union
  select customer_id from by_identifier
)

select * from final order by customer_id
