-- No event of the timeline is missing its date; source rows whose date is missing or does not parse
-- are kept out of the timeline (rejected_events) and counted here, so a date bug that drops a
-- share of events above the threshold (percent) fails loudly instead of silently.
-- severity: error
-- threshold: 1
with

timeline_nulls as (
    select count(*)::bigint as n from customer_events where event_date is null
),

rejected as (
    select count(*)::bigint as n from rejected_events
),

events as (
    select count(*)::bigint as n from customer_events
)

select
    t.n as null_dates_in_timeline,
    r.n as rows_without_a_date,
    round(100.0 * r.n / nullif(e.n + r.n, 0), 2) as pct_without_a_date
from timeline_nulls as t, rejected as r, events as e
where t.n > 0 or 100.0 * r.n / nullif(e.n + r.n, 0) > $threshold
