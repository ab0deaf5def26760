-- One row per Meta ad and day: spend (integer cents), delivery, Meta's own purchase attribution, and
-- the promo code the ad's copy names, which ties a sale redeeming it to the ad.
with

spend as (
    select * from stg_ad_spend_daily
),

creatives as (
    select ad_id, promo_code, creative_body from stg_ad_creatives
),

final as (
    select
        s.spend_date,
        s.campaign_id,
        s.campaign_name,
        s.adset_id,
        s.ad_id,
        s.ad_name,
        c.promo_code,
        s.spend_cents,
        s.impressions,
        s.reach,
        s.clicks,
        s.inline_link_clicks,
        s.reported_purchases,
        s.reported_purchase_value_cents
    from spend as s
    left join creatives as c using (ad_id)
)

select * from final
