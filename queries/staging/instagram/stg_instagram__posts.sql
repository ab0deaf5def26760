-- One row per post, with its latest likes and comments and its latest known reach and saves.
-- materialized: table
with

media as (
    select * from stg_instagram__media
),

-- Each metric's newest non-null value.
insights as (
    select
        post_id,
        arg_max(reach, raw_version) filter (where reach is not null) as reach,
        arg_max(saved, raw_version) filter (where saved is not null) as saved,
        -- Why Graph gave none, when its latest answer for the post was a refusal (too few viewers,
        -- posted before the business conversion).
        arg_max_null(unavailable, raw_version) as insights_unavailable,
        max(fetched_at) as insights_fetched_at
    from stg_instagram__insights
    group by post_id
),

parsed as (
    select
        *,
        try_strptime(posted_at_raw, '%Y-%m-%dT%H:%M:%S%z') as posted_at
    from media
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
        insights.insights_unavailable,
        round((parsed.likes + parsed.comments + coalesce(insights.saved, 0)) * 100.0 / nullif(insights.reach, 0), 2)
            as engagement_rate,
        parsed.media_fetched_at,
        insights.insights_fetched_at
    from parsed
    left join insights on insights.post_id = parsed.post_id
)

select * from final
