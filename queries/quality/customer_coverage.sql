-- The share of customers with at least one event stays at or above the threshold (percent).
-- severity: warn
-- threshold: 50
with

coverage as (
    select
        count(*)::bigint as customers,
        count(*) filter (where customer_id in (select customer_id from customer_events))::bigint as with_events
    from customer_master
)

select customers, with_events, round(100.0 * with_events / nullif(customers, 0), 1) as pct_with_events
from coverage
where customers = 0 or 100.0 * with_events / customers < $threshold
