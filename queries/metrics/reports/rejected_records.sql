-- Records the fetchers refused, by source, stream and reason, with the newest rejection's payload.
select
    source,
    stream,
    reason,
    count(*)::bigint as records,
    max(rejected_at) as last_rejected_at,
    arg_max(payload, rejected_at) as sample_payload
from rejected_records
group by all
order by records desc
