-- Every link with its fate: a link the guard refused (it would have joined two profiles that must
-- not be one) is kept, marked, and no longer accepted.
with

final as (
  select
    l.*,
    r.pid_l is not null as refused_by_guard,
    l.accepted and r.pid_l is null as joins
  from id_links as l
  left join id_guard_refused as r
    on r.pid_l = least(l.pid_l, l.pid_r) and r.pid_r = greatest(l.pid_l, l.pid_r)
)

select * from final
