-- One row per sent campaign, with the metrics of its latest report.
-- materialized: table
with

campaigns as (
    select * from stg_mailchimp__campaign_settings
),

reports as (
    select * from stg_mailchimp__reports
),

renamed as (
    select
        campaigns.campaign_id,
        campaigns.campaign_type,
        campaigns.status,
        campaigns.title,
        campaigns.subject_line,
        campaigns.list_id,
        campaigns.segment_id,
        campaigns.sent_at_raw,
        coalesce(reports.emails_sent, campaigns.emails_sent) as emails_sent,
        reports.hard_bounces,
        reports.soft_bounces,
        reports.opens_total,
        reports.unique_opens,
        reports.open_rate,
        reports.clicks_total,
        reports.unique_clicks,
        reports.unique_subscriber_clicks,
        reports.click_rate,
        reports.unsubscribed,
        reports.abuse_reports
    from campaigns
    left join reports on reports.campaign_id = campaigns.campaign_id
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
