-- One row per sent campaign, with the metrics of its latest report.
with

campaigns as (
    select record_id, payload
    from raw_mailchimp__campaigns
    qualify row_number() over (partition by record_id order by fetched_at desc, run_id desc) = 1
),

reports as (
    select record_id, payload
    from raw_mailchimp__reports
    qualify row_number() over (partition by record_id order by fetched_at desc, run_id desc) = 1
),

renamed as (
    select
        campaigns.record_id as campaign_id,
        campaigns.payload ->> 'type' as campaign_type,
        campaigns.payload ->> 'status' as status,
        campaigns.payload -> 'settings' ->> 'title' as title,
        campaigns.payload -> 'settings' ->> 'subject_line' as subject_line,
        campaigns.payload -> 'recipients' ->> 'list_id' as list_id,
        campaigns.payload -> 'recipients' -> 'segment_opts' ->> 'saved_segment_id' as segment_id,
        nullif(trim(campaigns.payload ->> 'send_time'), '') as sent_at_raw,
        coalesce(
            (reports.payload ->> 'emails_sent')::bigint, (campaigns.payload ->> 'emails_sent')::bigint
        ) as emails_sent,
        (reports.payload -> 'bounces' ->> 'hard_bounces')::bigint as hard_bounces,
        (reports.payload -> 'bounces' ->> 'soft_bounces')::bigint as soft_bounces,
        (reports.payload -> 'opens' ->> 'opens_total')::bigint as opens_total,
        (reports.payload -> 'opens' ->> 'unique_opens')::bigint as unique_opens,
        (reports.payload -> 'opens' ->> 'open_rate')::double as open_rate,
        (reports.payload -> 'clicks' ->> 'clicks_total')::bigint as clicks_total,
        (reports.payload -> 'clicks' ->> 'unique_clicks')::bigint as unique_clicks,
        (reports.payload -> 'clicks' ->> 'unique_subscriber_clicks')::bigint as unique_subscriber_clicks,
        (reports.payload -> 'clicks' ->> 'click_rate')::double as click_rate,
        (reports.payload ->> 'unsubscribed')::bigint as unsubscribed,
        (reports.payload ->> 'abuse_reports')::bigint as abuse_reports
    from campaigns
    left join reports on reports.record_id = campaigns.record_id
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
