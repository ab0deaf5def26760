-- One row per account and gym-local day it was fetched: the follower count's history.
-- record_id: account_id || ':' || snapshot_date_raw
with

snapshots as (
    select record_id, payload, fetched_at
    from raw_instagram__account
),

-- One parse per record: `->>` would parse the whole document again for every field.
unpacked as (
    select
        record_id,
        fetched_at,
        unnest(json_transform(payload, '{
            "id": "VARCHAR",
            "username": "VARCHAR",
            "followers_count": "VARCHAR",
            "media_count": "VARCHAR"
        }'))
    from snapshots
),

renamed as (
    select
        id as account_id,
        -- The record id is `<account id>:<YYYY-MM-DD>`, the gym-local day of the run.
        split_part(record_id, ':', 2) as snapshot_date_raw,
        username,
        followers_count::bigint as followers_count,
        media_count::bigint as media_count,
        fetched_at
    from unpacked
),

final as (
    select
        account_id,
        try_strptime(snapshot_date_raw, '%Y-%m-%d')::date as snapshot_date,
        snapshot_date_raw,
        username,
        followers_count,
        media_count,
        fetched_at
    from renamed
)

select * from final
