-- One row per fetched version of a post's insights. A run that does not refresh a post's insights
-- writes nothing for it, and a metric Graph did not answer is null, so every version is kept and
-- stg_instagram__posts takes each metric's own newest value.
-- versions: all
with

insights as (
    select fetched_at, run_id, payload_hash, payload
    from raw_instagram__insights
),

-- One parse per record: `->>` would parse the whole document again for every field.
unpacked as (
    select
        fetched_at,
        run_id,
        payload_hash,
        unnest(json_transform(payload, '{
            "media_id": "VARCHAR",
            "reach": "VARCHAR",
            "saved": "VARCHAR",
            "unavailable": "VARCHAR"
        }'))
    from insights
),

final as (
    select
        media_id as post_id,
        reach::bigint as reach,
        saved::bigint as saved,
        unavailable,
        fetched_at,
        raw_version(fetched_at, run_id, payload_hash) as raw_version
    from unpacked
)

select * from final
