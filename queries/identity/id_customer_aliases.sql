-- All aliases (state/customer_id_aliases): earlier ones re-pointed when their target merged away
-- today, and today's.
with

earlier as (
  select p.alias_id, coalesce(n.customer_id, p.customer_id) as customer_id, p.merged_at
  from id_prev_aliases as p
  left join id_new_aliases as n on n.alias_id = p.customer_id
),

final as (
  select * from earlier
  union all
  select * from id_new_aliases
)

select * from final order by alias_id
