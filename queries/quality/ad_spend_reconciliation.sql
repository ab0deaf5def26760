-- Meta's ad-level insights add up to its separate level=campaign call: per campaign and day, spend
-- (cents), impressions and clicks summed over the campaign's ads differ from the campaign's own
-- figures by no more than the threshold (in cents, impressions or clicks: Meta rounds each row's
-- spend to the cent). Reach is left out: a person reached by two ads counts once for the campaign.
-- severity: warn
-- threshold: 2
with

ads as (
    select campaign_id, spend_date, sum(spend_cents) as spend_cents, sum(impressions) as impressions, sum(clicks) as clicks
    from stg_ad_spend_daily
    group by campaign_id, spend_date
),

campaigns as (
    select campaign_id, spend_date, spend_cents, impressions, clicks
    from stg_ad_campaign_spend_daily
)

select
    coalesce(c.campaign_id, a.campaign_id) as campaign_id,
    coalesce(c.spend_date, a.spend_date) as spend_date,
    a.spend_cents::bigint as ads_spend_cents,
    c.spend_cents::bigint as campaign_spend_cents,
    a.impressions::bigint as ads_impressions,
    c.impressions::bigint as campaign_impressions,
    a.clicks::bigint as ads_clicks,
    c.clicks::bigint as campaign_clicks
from ads as a
full join campaigns as c using (campaign_id, spend_date)
where a.campaign_id is null
   or c.campaign_id is null
   or abs(a.spend_cents - c.spend_cents) > $threshold
   or abs(a.impressions - c.impressions) > $threshold
   or abs(a.clicks - c.clicks) > $threshold
order by spend_date, campaign_id
