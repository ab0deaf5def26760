-- One row per household (core/households): its customers and how many of them are minors.
with

customers as (
  select r.household_id, r.customer_id, bool_or(r.dob > ($as_of::date - interval 18 years)) as is_minor
  from id_customer_records as r
  group by r.household_id, r.customer_id
),

final as (
  select
    household_id,
    count(*)::integer as customer_count,
    count(*) filter (where is_minor)::integer as minor_count,
    list_sort(list(customer_id)) as customer_ids
  from customers
  group by household_id
)

select * from final
