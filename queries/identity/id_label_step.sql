-- One round of label propagation: each node takes the smallest label among itself and its
-- neighbours, then the label of its label (pointer jumping), so long chains settle in few rounds.
with

labels as (
  select node, label from {{labels}}
),

edges as (
  select a, b from {{edges}}
  union all
  select b as a, a as b from {{edges}}
),

neighbours as (
  select e.a as node, min(l.label) as label from edges as e join labels as l on l.node = e.b group by e.a
),

spread as (
  select l.node, least(l.label, coalesce(n.label, l.label)) as label
  from labels as l
  left join neighbours as n using (node)
),

final as (
  select s.node, least(s.label, j.label) as label from spread as s join spread as j on j.node = s.label
)

select * from final
