-- The headline figures printed after the checks: customers, coverage, events, missing dates, and
-- the events' match confidence split.
with

customers as (
    select count(*)::bigint as n from customer_master
),

with_events as (
    select count(distinct customer_id)::bigint as n
    from customer_events
    where customer_id in (select customer_id from customer_master)
),

events as (
    select
        count(*)::bigint as n,
        count(*) filter (where source_confidence = 'exact')::bigint as exact,
        count(*) filter (where source_confidence = 'medium')::bigint as medium,
        count(*) filter (where source_confidence = 'low')::bigint as low,
        count(*) filter (where source_confidence = 'unmatched')::bigint as unmatched
    from customer_events
),

undated as (
    select count(*)::bigint as n from rejected_events
)

select
    c.n as total_customers,
    w.n as customers_with_events,
    round(100.0 * w.n / nullif(c.n, 0), 1) as pct_customers_with_events,
    e.n as total_events,
    round(100.0 * u.n / nullif(e.n + u.n, 0), 2) as pct_null_dates,
    round(100.0 * e.exact / nullif(e.n, 0), 1) as pct_exact,
    round(100.0 * e.medium / nullif(e.n, 0), 1) as pct_medium,
    round(100.0 * e.low / nullif(e.n, 0), 1) as pct_low,
    round(100.0 * e.unmatched / nullif(e.n, 0), 1) as pct_unmatched
from customers as c, with_events as w, events as e, undated as u
