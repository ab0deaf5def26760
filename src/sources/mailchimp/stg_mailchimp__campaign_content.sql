-- One row per campaign: the HTML and plain text it was sent with, and a hash for content-keyed caches.
with

content as (
    select record_id, payload
    from raw_mailchimp__campaign_content
    qualify row_number() over (partition by record_id order by fetched_at desc, run_id desc) = 1
),

final as (
    select
        record_id as campaign_id,
        payload ->> 'html' as html,
        payload ->> 'plain_text' as plain_text,
        sha256(payload ->> 'html') as content_sha256
    from content
)

select * from final
