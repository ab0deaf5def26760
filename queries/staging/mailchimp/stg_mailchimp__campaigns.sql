-- One row per sent campaign, with the metrics of its latest report.
with

campaigns as (
    select record_id, payload
    from raw_mailchimp__campaigns
    qualify row_number() over (partition by record_id order by fetched_at desc, run_id desc, payload_hash) = 1
),

reports as (
    select record_id, payload
    from raw_mailchimp__reports
    qualify row_number() over (partition by record_id order by fetched_at desc, run_id desc, payload_hash) = 1
),

-- One parse per record: `->>` would parse the whole document again for every field.
unpacked_campaigns as (
    select
        record_id,
        unnest(json_transform(payload, '{
            "type": "VARCHAR",
            "status": "VARCHAR",
            "settings": {"title": "VARCHAR", "subject_line": "VARCHAR"},
            "recipients": {"list_id": "VARCHAR", "segment_opts": {"saved_segment_id": "VARCHAR"}},
            "send_time": "VARCHAR",
            "emails_sent": "VARCHAR"
        }'))
    from campaigns
),

unpacked_reports as (
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

renamed as (
    select
        campaigns.record_id as campaign_id,
        campaigns.type as campaign_type,
        campaigns.status,
        campaigns.settings.title as title,
        campaigns.settings.subject_line as subject_line,
        campaigns.recipients.list_id as list_id,
        campaigns.recipients.segment_opts.saved_segment_id as segment_id,
        nullif(trim(campaigns.send_time), '') as sent_at_raw,
        coalesce(reports.emails_sent::bigint, campaigns.emails_sent::bigint) as emails_sent,
        reports.bounces.hard_bounces::bigint as hard_bounces,
        reports.bounces.soft_bounces::bigint as soft_bounces,
        reports.opens.opens_total::bigint as opens_total,
        reports.opens.unique_opens::bigint as unique_opens,
        reports.opens.open_rate::double as open_rate,
        reports.clicks.clicks_total::bigint as clicks_total,
        reports.clicks.unique_clicks::bigint as unique_clicks,
        reports.clicks.unique_subscriber_clicks::bigint as unique_subscriber_clicks,
        reports.clicks.click_rate::double as click_rate,
        reports.unsubscribed::bigint as unsubscribed,
        reports.abuse_reports::bigint as abuse_reports
    from unpacked_campaigns as campaigns
    left join unpacked_reports as reports on reports.record_id = campaigns.record_id
),

parsed as (
    select
        *,
        try_strptime(sent_at_raw, '%Y-%m-%dT%H:%M:%S%z') as sent_at
    from renamed
),

final as (
    select
        campaign_id,
        campaign_type,
        status,
        title,
        subject_line,
        list_id,
        segment_id,
        sent_at,
        sent_at_raw,
        timezone($time_zone, sent_at)::date as sent_local_date,
        emails_sent,
        emails_sent - hard_bounces - soft_bounces as delivered,
        hard_bounces,
        soft_bounces,
        opens_total,
        unique_opens,
        open_rate,
        clicks_total,
        unique_clicks,
        unique_subscriber_clicks,
        click_rate,
        unsubscribed,
        abuse_reports
    from parsed
)

select * from final
