-- One row per post as the media list last showed it: when and what it posted, its likes and comments.
-- record_id: post_id
with

media as (
    select record_id, payload, fetched_at
    from raw_instagram__media
),

-- One parse per record: `->>` would parse the whole document again for every field.
unpacked as (
    select
        record_id,
        fetched_at,
        unnest(json_transform(payload, '{
            "timestamp": "VARCHAR",
            "media_type": "VARCHAR",
            "media_url": "VARCHAR",
            "thumbnail_url": "VARCHAR",
            "permalink": "VARCHAR",
            "caption": "VARCHAR",
            "like_count": "VARCHAR",
            "comments_count": "VARCHAR"
        }'))
    from media
),

final as (
    select
        record_id as post_id,
        nullif(trim("timestamp"), '') as posted_at_raw,
        media_type,
        coalesce(media_url, thumbnail_url) as media_url,
        thumbnail_url,
        permalink,
        caption,
        like_count::bigint as likes,
        comments_count::bigint as comments,
        fetched_at as media_fetched_at
    from unpacked
)

select * from final
