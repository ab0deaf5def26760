-- How the records of each profile joined their customer (all of a profile's records join alike): the
-- strongest accepted link touching the profile (exact beats medium, then the higher probability); a
-- profile of one record with no link is `single`, one of several records is exact by identical
-- evidence. Per profile, so the million-row record table joins it on an integer.
with

ends as (
  select pid_l as profile_id, tier, match_rule, match_probability from id_final_links where joins and pid_l <> pid_r
  union all
  select pid_r as profile_id, tier, match_rule, match_probability from id_final_links where joins and pid_l <> pid_r
),

best as (
  select
    profile_id,
    case when bool_or(tier = 'exact') then 'exact' else 'medium' end as tier,
    coalesce(min(match_rule) filter (where tier = 'exact'), min(match_rule)) as match_rule,
    max(match_probability) filter (where tier = 'medium') as match_probability
  from ends
  group by profile_id
),

final as (
  select
    p.profile_id,
    case when b.tier is not null then b.tier when p.n_records > 1 then 'exact' else 'single' end as match_tier,
    case
      when b.match_rule is not null then b.match_rule
      when p.n_records > 1 then 'identical evidence'
      else 'no other record'
    end as match_rule,
    case when b.tier = 'medium' then b.match_probability else 1.0 end as confidence
  from id_profiles as p
  left join best as b using (profile_id)
)

select * from final
