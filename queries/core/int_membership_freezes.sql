-- materialized: view
-- One row per freeze of a membership instance: when it was first seen frozen and the day it thaws.
-- Capitan shows only a membership's current status, so the start of a freeze is the first fetch that
-- saw it frozen (within a day on daily runs; the backfill's own time for a freeze already under way).
-- Every raw version is read for that reason, rather than staging's newest one.
with

versions as (
    select payload, fetched_at
    from raw_capitan__customer_memberships
),

frozen as (
    select
        payload->>'id' as membership_id,
        payload->>'membership_unfreeze_date' as frozen_until_date_raw,
        min(fetched_at) as first_seen_frozen_at
    from versions
    where upper(payload->>'status') = 'FRZ'
    group by all
),

final as (
    select
        membership_id,
        first_seen_frozen_at,
        try_strptime(frozen_until_date_raw, '%Y-%m-%d')::date as frozen_until_date,
        frozen_until_date_raw
    from frozen
)

select * from final
