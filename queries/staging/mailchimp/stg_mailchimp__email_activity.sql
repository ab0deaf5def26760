-- One row per fetched version of a recipient's activity on a campaign: the recipient and the events
-- (opens, clicks, bounces) that version listed. Daily runs ask Mailchimp only for activity since the
-- previous run, so a version holds only the events new then: every version is kept, and
-- stg_mailchimp__recipients merges them.
-- versions: all
with

versions as (
    select fetched_at, run_id, payload_hash, payload
    from raw_mailchimp__email_activity
),

-- One parse per record: `->>` would parse the whole document again for every field.
unpacked as (
    select
        fetched_at,
        run_id,
        payload_hash,
        unnest(json_transform(payload, '{
            "campaign_id": "VARCHAR",
            "email_address": "VARCHAR",
            "email_id": "VARCHAR",
            "list_id": "VARCHAR",
            "activity": [{"action": "VARCHAR", "timestamp": "VARCHAR", "url": "VARCHAR"}]
        }'))
    from versions
),

final as (
    select
        campaign_id,
        email_address,
        lower(trim(email_address)) as email,
        email_id,
        list_id,
        activity,
        raw_version(fetched_at, run_id, payload_hash) as raw_version
    from unpacked
)

select * from final
