-- The previous run's id map, each customer id followed through its alias to the id that survived.
with

final as (
  select
    m.record_id,
    coalesce(a.customer_id, m.customer_id) as customer_id,
    m.first_assigned_at,
    m.customer_created_at
  from id_prev_map as m
  left join id_prev_aliases as a on a.alias_id = m.customer_id
)

select * from final
