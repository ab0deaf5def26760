-- One row per Instagram post: its engagement (likes + comments + saves over reach, in percent; null
-- without reach) and what Claude saw in its image. analysis_status is 'llm', 'not_analysed' (no
-- Anthropic key: nothing is guessed) or 'unknown' (the call failed; retried next run).
with

posts as (
    select * from stg_instagram__posts
),

images as (
    select * from post_image_analyses
),

final as (
    select
        p.post_id,
        p.posted_at,
        p.posted_local_date,
        p.media_type,
        p.permalink,
        p.caption,
        p.likes,
        p.comments,
        p.reach,
        p.saved,
        p.engagement_rate,
        coalesce(i.analysis_status, 'not_analysed') as analysis_status,
        i.description as ai_description,
        i.activity_type as ai_activity_type,
        i.themes as ai_themes,
        i.model
    from posts as p
    left join images as i using (post_id)
)

select * from final
order by posted_at, post_id
