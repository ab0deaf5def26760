-- One row per ad and day, as the newest fetch showed it: Meta restates recent days, so each run
-- re-fetches the last 28 and the newest version of an (ad id, date) record wins. Money in integer
-- cents of the account currency; purchases and their value are Meta's own attribution.
-- record_id: ad_day_id
with

insights as (
    select record_id, payload, fetched_at
    from raw_facebook_ads__insights
),

-- One parse per record: `->>` would parse the whole document again for every field.
unpacked as (
    select
        record_id,
        fetched_at,
        unnest(json_transform(payload, '{
            "date_start": "VARCHAR",
            "account_id": "VARCHAR",
            "campaign_id": "VARCHAR",
            "campaign_name": "VARCHAR",
            "adset_id": "VARCHAR",
            "adset_name": "VARCHAR",
            "ad_id": "VARCHAR",
            "ad_name": "VARCHAR",
            "spend": "VARCHAR",
            "impressions": "VARCHAR",
            "reach": "VARCHAR",
            "clicks": "VARCHAR",
            "inline_link_clicks": "VARCHAR",
            "actions": [{"action_type": "VARCHAR", "value": "VARCHAR"}],
            "action_values": [{"action_type": "VARCHAR", "value": "VARCHAR"}]
        }'))
    from insights
),

final as (
    select
        record_id as ad_day_id,
        date_start::date as spend_date,
        account_id,
        campaign_id,
        campaign_name,
        adset_id,
        adset_name,
        ad_id,
        ad_name,
        round(spend::decimal(18, 2) * 100)::bigint as spend_cents,
        impressions::bigint as impressions,
        reach::bigint as reach,
        clicks::bigint as clicks,
        inline_link_clicks::bigint as inline_link_clicks,
        coalesce(
            list_sum(list_transform(
                list_filter(actions, a -> a.action_type = 'purchase'), a -> a.value::decimal(18, 2)
            )),
            0
        )::bigint as reported_purchases,
        round(coalesce(
            list_sum(list_transform(
                list_filter(action_values, a -> a.action_type = 'purchase'), a -> a.value::decimal(18, 2)
            )),
            0
        ) * 100)::bigint as reported_purchase_value_cents,
        fetched_at
    from unpacked
)

select * from final
