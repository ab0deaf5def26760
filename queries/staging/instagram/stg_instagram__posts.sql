-- One row per post, with its latest likes and comments and its latest known reach and saves.
with

media as (
    select record_id, payload, fetched_at
    from raw_instagram__media
    qualify row_number() over (partition by record_id order by fetched_at desc, run_id desc, payload_hash) = 1
),

-- One parse per record: `->>` would parse the whole document again for every field.
unpacked_media as (
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

unpacked_insights as (
    select
        fetched_at,
        unnest(json_transform(payload, '{
            "media_id": "VARCHAR",
            "reach": "VARCHAR",
            "saved": "VARCHAR"
        }'))
    from raw_instagram__insights
),

-- Every version: a run that does not refresh a post's insights writes nothing for it, and a metric
-- Graph did not answer is null, so each metric takes its own latest non-null value.
insight_versions as (
    select
        media_id as post_id,
        reach::bigint as reach,
        saved::bigint as saved,
        fetched_at
    from unpacked_insights
),

insights as (
    select
        post_id,
        arg_max(reach, fetched_at) filter (where reach is not null) as reach,
        arg_max(saved, fetched_at) filter (where saved is not null) as saved,
        max(fetched_at) as insights_fetched_at
    from insight_versions
    group by post_id
),

renamed as (
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
    from unpacked_media
),

parsed as (
    select
        *,
        try_strptime(posted_at_raw, '%Y-%m-%dT%H:%M:%S%z') as posted_at
    from renamed
),

final as (
    select
        parsed.post_id,
        parsed.posted_at,
        parsed.posted_at_raw,
        timezone($time_zone, parsed.posted_at)::date as posted_local_date,
        parsed.media_type,
        parsed.media_url,
        parsed.thumbnail_url,
        parsed.permalink,
        parsed.caption,
        parsed.likes,
        parsed.comments,
        insights.reach,
        insights.saved,
        round((parsed.likes + parsed.comments + coalesce(insights.saved, 0)) * 100.0 / nullif(insights.reach, 0), 2)
            as engagement_rate,
        parsed.media_fetched_at,
        insights.insights_fetched_at
    from parsed
    left join insights on insights.post_id = parsed.post_id
)

select * from final
