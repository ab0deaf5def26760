-- How each record joined its customer: the strongest accepted link touching its profile (exact
-- beats medium, then the higher probability); records alone in their profile and cluster are
-- `single`, records in a profile with others are exact by identical evidence.
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
    r.record_id,
    r.profile_id,
    case when b.tier is not null then b.tier when p.n_records > 1 then 'exact' else 'single' end as match_tier,
    case
      when b.match_rule is not null then b.match_rule
      when p.n_records > 1 then 'identical evidence'
      else 'no other record'
    end as match_rule,
    case when b.tier = 'medium' then b.match_probability else 1.0 end as confidence
  from id_record_profiles as r
  join id_profiles as p using (profile_id)
  left join best as b using (profile_id)
)

select * from final
