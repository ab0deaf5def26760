-- Every stream fetched within the threshold (hours) of now; a stream that stopped succeeding is stale.
-- severity: warn
-- threshold: 36
select
    source,
    stream,
    last_success_at,
    round(epoch($now::timestamptz - last_success_at) / 3600, 1) as hours_since_success
from fetch_state
where last_success_at < $now::timestamptz - to_hours($threshold::integer)
order by last_success_at, source, stream
