-- The identity confidence distribution: the share of source records joined to their customer only
-- at low confidence (graded as the timeline grades them) stays under the threshold (percent); above
-- it, the matching or the source data changed.
-- severity: warn
-- threshold: 10
with

graded as (
    select
        case
            when lower(confidence::varchar) in ('exact', 'medium', 'low') then lower(confidence::varchar)
            when match_tier in ('exact', 'single') then 'exact'
            when match_tier = 'medium' then 'medium'
            else 'low'
        end as confidence
    from resolved_records
    where customer_id is not null
),

distribution as (
    select
        count(*)::bigint as records,
        count(*) filter (where confidence = 'exact')::bigint as exact,
        count(*) filter (where confidence = 'medium')::bigint as medium,
        count(*) filter (where confidence = 'low')::bigint as low
    from graded
)

select
    records,
    round(100.0 * exact / nullif(records, 0), 1) as pct_exact,
    round(100.0 * medium / nullif(records, 0), 1) as pct_medium,
    round(100.0 * low / nullif(records, 0), 1) as pct_low
from distribution
where 100.0 * low / nullif(records, 0) > $threshold
