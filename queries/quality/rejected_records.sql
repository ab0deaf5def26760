-- Records the latest fetch rejected as invalid, per stream and reason: a stream with more than the
-- threshold rejected in one run needs a look (the records are in rejected_records with their payload).
-- severity: warn
-- threshold: 0
with

latest_run as (
    select max(run_id) as run_id from fetch_state
)

select r.source, r.stream, r.reason, count(*)::bigint as rejected, any_value(r.record_id) as example_record_id
from rejected_records as r
semi join latest_run as l using (run_id)
group by r.source, r.stream, r.reason
having count(*) > $threshold
order by rejected desc, r.source, r.stream
