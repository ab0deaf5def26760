-- The customer each profile belongs to: its component, or the piece of it the guard kept it in.
with

final as (
  select c.node as profile_id, coalesce(g.label, c.label) as cluster
  from id_components as c
  left join id_guard_labels as g using (node)
)

select * from final
