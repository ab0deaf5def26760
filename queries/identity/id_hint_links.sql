-- Records the sources put in one household (a Capitan relation, a family membership) are linked as
-- a household, each to the hint's first profile: never one customer, always one household.
with

hints as (
  select profile_id, unnest(household_hints) as hint from id_profiles
),

anchored as (
  select *, min(profile_id) over (partition by hint) as anchor from hints
),

final as (
  select
    a.anchor as pid_l,
    a.profile_id as pid_r,
    l.rep_record_id as record_id_l,
    r.rep_record_id as record_id_r,
    'household' as tier,
    'the source relates them (' || split_part(a.hint, ':', 1) || ')' as match_rule,
    null::double as match_probability,
    null::double as match_weight,
    false as has_conflict,
    false as accepted,
    to_json({'household_hint': a.hint})::varchar as evidence
  from anchored as a
  join id_profiles as l on l.profile_id = a.anchor
  join id_profiles as r on r.profile_id = a.profile_id
  where a.anchor <> a.profile_id
  qualify row_number() over (partition by a.anchor, a.profile_id order by a.hint) = 1
)

select * from final
