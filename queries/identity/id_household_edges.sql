-- Household links between two different customers (a shared contact, a relation, a payment for a
-- family member's membership), as edges between their clusters.
with

final as (
  select distinct least(cl.cluster, cr.cluster) as a, greatest(cl.cluster, cr.cluster) as b
  from id_final_links as l
  join id_clusters as cl on cl.profile_id = l.pid_l
  join id_clusters as cr on cr.profile_id = l.pid_r
  where l.tier = 'household' and cl.cluster <> cr.cluster
)

select * from final
