-- Pairs of profiles inside one component that must not be one customer: their signatures conflict,
-- or the pair itself was scored with a conflict (two people at one email or phone), which no chain
-- of other links may overrule.
with

conflicting as (
  select pid_l as sig_l, pid_r as sig_r
  from id_signature_gammas
  where {{any_conflict}}
),

from_signatures as (
  select a.profile_id as pid_l, b.profile_id as pid_r, a.component
  from conflicting as c
  join id_component_signatures as a on a.signature_id = c.sig_l
  join id_component_signatures as b on b.signature_id = c.sig_r
),

from_pairs as (
  select p.pid_l, p.pid_r, l.label as component
  from id_pair_links as p
  join id_components as l on l.node = p.pid_l
  join id_components as r on r.node = p.pid_r
  where p.has_conflict and l.label = r.label
),

final as (
  select * from from_signatures
  union
  select * from from_pairs
)

select * from final
