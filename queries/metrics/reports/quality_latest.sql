-- Every check of the latest quality run, failures first, with a sample of the failing rows.
with

latest as (
    select run_id from quality_results
    order by checked_at desc
    limit 1
)

select
    q.run_id,
    q.checked_at,
    q.check_name,
    q.description,
    q.severity,
    q.threshold::varchar as threshold,
    q.failing_rows::bigint as failing_rows,
    q.status,
    q.sample::varchar as sample
from quality_results as q
join latest using (run_id)
order by q.status = 'pass', q.severity, q.check_name
