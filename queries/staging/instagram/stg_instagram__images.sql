-- One row per stored post image, with its bytes (base64) for the vision analysis.
-- record_id: media_id
with

images as (
    select record_id, payload, fetched_at
    from raw_instagram__images
),

-- One parse per record: `->>` would parse the whole document again for every field.
unpacked as (
    select
        record_id,
        fetched_at,
        unnest(json_transform(payload, '{
            "content_type": "VARCHAR",
            "sha256": "VARCHAR",
            "bytes_base64": "VARCHAR"
        }'))
    from images
),

final as (
    select
        record_id as media_id,
        content_type,
        sha256,
        octet_length(from_base64(bytes_base64)) as byte_length,
        bytes_base64,
        fetched_at
    from unpacked
)

select * from final
