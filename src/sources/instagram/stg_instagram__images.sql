-- One row per stored post image (the bytes stay in raw, for the vision analysis).
with

images as (
    select record_id, payload, fetched_at
    from raw_instagram__images
    qualify row_number() over (partition by record_id order by fetched_at desc, run_id desc) = 1
),

final as (
    select
        record_id as media_id,
        payload ->> 'content_type' as content_type,
        payload ->> 'sha256' as sha256,
        octet_length(from_base64(payload ->> 'bytes_base64')) as byte_length,
        fetched_at
    from images
)

select * from final
