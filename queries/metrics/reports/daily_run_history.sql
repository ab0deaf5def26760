-- The last 30 daily runs: when, how long, how they ended.
select
    run_id,
    started_at,
    finished_at,
    date_diff('second', started_at::timestamptz, finished_at::timestamptz)::bigint as seconds,
    status,
    error
from daily_runs
order by started_at desc
limit 30
