-- Every link with its fate: a link the guard refused (it would have joined two profiles that must
-- not be one) is kept, marked, and no longer accepted; `guard_against` names the two records
-- (profiles' first records) it would have put into one customer.
with

refused as (
  select r.pid_l, r.pid_r, [a.rep_record_id, b.rep_record_id] as guard_against
  from id_guard_refused as r
  join id_profiles as a on a.profile_id = r.against_l
  join id_profiles as b on b.profile_id = r.against_r
),

final as (
  select
    l.*,
    r.pid_l is not null as refused_by_guard,
    r.guard_against,
    l.accepted and r.pid_l is null as joins
  from id_links as l
  left join refused as r
    on r.pid_l = least(l.pid_l, l.pid_r) and r.pid_r = greatest(l.pid_l, l.pid_r)
)

select * from final
