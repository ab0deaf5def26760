-- One row per ad with its creative's copy and the promo code the copy names ("use code CLIMB20"),
-- which ties a sale that redeems the code to the ad.
-- record_id: ad_id
with

ads as (
    select record_id, payload, fetched_at
    from raw_facebook_ads__ads
),

unpacked as (
    select
        record_id,
        fetched_at,
        unnest(json_transform(payload, '{
            "name": "VARCHAR",
            "status": "VARCHAR",
            "adset_id": "VARCHAR",
            "campaign_id": "VARCHAR",
            "creative": {"id": "VARCHAR", "title": "VARCHAR", "body": "VARCHAR"}
        }'))
    from ads
),

final as (
    select
        record_id as ad_id,
        name as ad_name,
        status,
        adset_id,
        campaign_id,
        creative.id as creative_id,
        creative.title as creative_title,
        creative.body as creative_body,
        nullif(
            upper(regexp_extract(coalesce(creative.body, '') || ' ' || coalesce(creative.title, ''), '(?i)code\s+([A-Za-z0-9]{3,})', 1)),
            ''
        ) as promo_code,
        fetched_at
    from unpacked
)

select * from final
