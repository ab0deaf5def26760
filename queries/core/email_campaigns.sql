-- One row per sent Mailchimp campaign, with Mailchimp's own report of it: recipients, deliveries,
-- opens, clicks, unsubscribes. What the reports and the customer view read of a campaign.
with

campaigns as (
    select * from stg_mailchimp__campaigns
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
        sent_local_date,
        emails_sent,
        delivered,
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
    from campaigns
)

select * from final
