-- One row per campaign and day from the separate level=campaign call, newest fetch first: the
-- data-quality reconciliation compares it with the ad-level rows summed. Reach is not additive over
-- ads, so it is not fetched here.
-- record_id: campaign_day_id
with

insights as (
    select record_id, payload, fetched_at
    from raw_facebook_ads__campaign_insights
),

unpacked as (
    select
        record_id,
        fetched_at,
        unnest(json_transform(payload, '{
            "date_start": "VARCHAR",
            "campaign_id": "VARCHAR",
            "campaign_name": "VARCHAR",
            "spend": "VARCHAR",
            "impressions": "VARCHAR",
            "clicks": "VARCHAR"
        }'))
    from insights
),

final as (
    select
        record_id as campaign_day_id,
        date_start::date as spend_date,
        campaign_id,
        campaign_name,
        round(spend::decimal(18, 2) * 100)::bigint as spend_cents,
        impressions::bigint as impressions,
        clicks::bigint as clicks,
        fetched_at
    from unpacked
)

select * from final
