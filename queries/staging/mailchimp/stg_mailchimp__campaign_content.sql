-- One row per campaign: the HTML and plain text it was sent with, and a hash for content-keyed caches.
-- record_id: campaign_id
with

content as (
    select record_id, payload
    from raw_mailchimp__campaign_content
),

-- One parse per record: `->>` would parse the whole document again for every field.
unpacked as (
    select
        record_id,
        unnest(json_transform(payload, '{
            "html": "VARCHAR",
            "plain_text": "VARCHAR"
        }'))
    from content
),

final as (
    select
        record_id as campaign_id,
        html,
        plain_text,
        sha256(html) as content_sha256
    from unpacked
)

select * from final
