-- Pairs of profiles inside one component that must not be one customer: their signatures conflict,
-- or the pair itself was scored with a conflict (two people at one email or phone), which no chain
-- of other links may overrule; or, in a component holding a Jr or Sr, a profile with neither a
-- suffix nor a birth date and any other profile: the suffix says two people of one name are there,
-- and such a record could be either. Only an email of its own or a national id it shares with the
-- other profile ties it to that one (a home's phone or address, or a family's email, cannot).
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

members as (
  select c.label as component, p.profile_id, p.suffix, p.dob_year, p.email_match, p.nid
  from id_components as c
  join id_profiles as p on p.profile_id = c.node
),

namesake_components as (
  select component from members group by component having count(suffix) > 0 and count(*) > 1
),

from_namesakes as (
  select least(x.profile_id, y.profile_id) as pid_l, greatest(x.profile_id, y.profile_id) as pid_r, x.component
  from members as x
  join members as y on y.component = x.component and y.profile_id <> x.profile_id
  where x.component in (select component from namesake_components)
    and x.suffix is null
    and x.dob_year is null
    and not coalesce(
      x.email_match = y.email_match and x.email_match not in (select value from id_shared_identifiers where kind = 'email'),
      false
    )
    and not coalesce(x.nid = y.nid, false)
),

final as (
  select * from from_signatures
  union
  select * from from_pairs
  union
  select * from from_namesakes
)

select * from final
