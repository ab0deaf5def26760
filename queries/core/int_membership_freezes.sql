-- materialized: view
-- One row per freeze of a membership instance: when it was first seen frozen and the day it thaws.
-- Capitan shows only a membership's current status, so the start of a freeze is the first fetch that
-- saw it frozen (within a day on daily runs; the backfill's own time for a freeze already under way).
-- Every fetched version is read for that reason (stg_capitan__membership_statuses), not only the newest.
with

frozen as (
    select
        membership_id,
        frozen_until_date_raw,
        min(fetched_at) as first_seen_frozen_at
    from stg_capitan__membership_statuses
    where status = 'FRZ'
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
