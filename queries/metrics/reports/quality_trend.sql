-- Each check's status in each of the last 30 quality runs, for the trend over past runs.
with

runs as (
    select run_id, max(checked_at) as checked_at
    from quality_results
    group by all
    order by checked_at desc
    limit 30
)

select r.run_id, r.checked_at, q.check_name, q.status, q.failing_rows::bigint as failing_rows
from quality_results as q
join runs as r using (run_id)
order by r.checked_at, q.check_name
