-- Every pair of profiles that the accepted links put in one component, to look for conflicts the
-- chain of links hides (A–B and B–C agree, but A and C have different birth dates).
with

sized as (
  select node as profile_id, label as component, count(*) over (partition by label) as size from id_components
),

final as (
  select a.profile_id as pid_l, b.profile_id as pid_r, 0 as rules, a.component
  from sized as a
  join sized as b on b.component = a.component and b.profile_id > a.profile_id
  where a.size > 1
)

select * from final
