-- One row per campaign as Mailchimp's campaign list shows it: type, status, title and subject, the
-- audience and segment it went to, when it was sent; stg_mailchimp__campaigns adds its report.
-- record_id: campaign_id
with

campaigns as (
    select record_id, payload
    from raw_mailchimp__campaigns
),

-- One parse per record: `->>` would parse the whole document again for every field.
unpacked as (
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

final as (
    select
        record_id as campaign_id,
        type as campaign_type,
        status,
        settings.title as title,
        settings.subject_line as subject_line,
        recipients.list_id as list_id,
        recipients.segment_opts.saved_segment_id as segment_id,
        nullif(trim(send_time), '') as sent_at_raw,
        emails_sent::bigint as emails_sent
    from unpacked
)

select * from final
