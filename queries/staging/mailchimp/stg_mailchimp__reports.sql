-- One row per campaign report: Mailchimp's own counts of sends, bounces, opens, clicks and
-- unsubscribes for a sent campaign (its id is the campaign's).
-- record_id: campaign_id
with

reports as (
    select record_id, payload
    from raw_mailchimp__reports
),

-- One parse per record: `->>` would parse the whole document again for every field.
unpacked as (
    select
        record_id,
        unnest(json_transform(payload, '{
            "emails_sent": "VARCHAR",
            "bounces": {"hard_bounces": "VARCHAR", "soft_bounces": "VARCHAR"},
            "opens": {"opens_total": "VARCHAR", "unique_opens": "VARCHAR", "open_rate": "VARCHAR"},
            "clicks": {
                "clicks_total": "VARCHAR",
                "unique_clicks": "VARCHAR",
                "unique_subscriber_clicks": "VARCHAR",
                "click_rate": "VARCHAR"
            },
            "unsubscribed": "VARCHAR",
            "abuse_reports": "VARCHAR"
        }'))
    from reports
),

final as (
    select
        record_id as campaign_id,
        emails_sent::bigint as emails_sent,
        bounces.hard_bounces::bigint as hard_bounces,
        bounces.soft_bounces::bigint as soft_bounces,
        opens.opens_total::bigint as opens_total,
        opens.unique_opens::bigint as unique_opens,
        opens.open_rate::double as open_rate,
        clicks.clicks_total::bigint as clicks_total,
        clicks.unique_clicks::bigint as unique_clicks,
        clicks.unique_subscriber_clicks::bigint as unique_subscriber_clicks,
        clicks.click_rate::double as click_rate,
        unsubscribed::bigint as unsubscribed,
        abuse_reports::bigint as abuse_reports
    from unpacked
)

select * from final
