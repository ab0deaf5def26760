-- One row per post, with its latest likes and comments and its latest known reach and saves.
with

media as (
    select record_id, payload, fetched_at
    from raw_instagram__media
    qualify row_number() over (partition by record_id order by fetched_at desc, run_id desc) = 1
),

-- Every version: a run that does not refresh a post's insights writes nothing for it, and a metric
-- Graph did not answer is null, so each metric takes its own latest non-null value.
insight_versions as (
    select
        payload ->> 'media_id' as post_id,
        (payload ->> 'reach')::bigint as reach,
        (payload ->> 'saved')::bigint as saved,
        fetched_at
    from raw_instagram__insights
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
        nullif(trim(payload ->> 'timestamp'), '') as posted_at_raw,
        payload ->> 'media_type' as media_type,
        coalesce(payload ->> 'media_url', payload ->> 'thumbnail_url') as media_url,
        payload ->> 'thumbnail_url' as thumbnail_url,
        payload ->> 'permalink' as permalink,
        payload ->> 'caption' as caption,
        (payload ->> 'like_count')::bigint as likes,
        (payload ->> 'comments_count')::bigint as comments,
        fetched_at as media_fetched_at
    from media
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
