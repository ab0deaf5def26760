-- Pairs of profiles inside one component that must not be one customer: their signatures conflict.
with

conflicting as (
  select pid_l as sig_l, pid_r as sig_r
  from id_signature_gammas
  where {{any_conflict}}
),

final as (
  select a.profile_id as pid_l, b.profile_id as pid_r, a.component
  from conflicting as c
  join id_component_signatures as a on a.signature_id = c.sig_l
  join id_component_signatures as b on b.signature_id = c.sig_r
)

select * from final
