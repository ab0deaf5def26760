-- Pairs inside one component that must not be one customer, with the component they are in.
with

final as (
  select g.pid_l, g.pid_r, p.component
  from id_component_gammas as g
  join id_component_pairs as p using (pid_l, pid_r)
  where {{any_conflict}}
)

select * from final
