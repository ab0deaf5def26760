-- One row per member of the audience, with the identity fields as Mailchimp holds them.
-- record_id: member_id
with

members as (
    select record_id, payload
    from raw_mailchimp__members
),

-- One parse per record: `->>` would parse the whole document again for every field.
unpacked as (
    select
        record_id,
        unnest(json_transform(payload, '{
            "list_id": "VARCHAR",
            "email_address": "VARCHAR",
            "status": "VARCHAR",
            "email_type": "VARCHAR",
            "merge_fields": {"FNAME": "VARCHAR", "LNAME": "VARCHAR", "PHONE": "VARCHAR"},
            "timestamp_signup": "VARCHAR",
            "timestamp_opt": "VARCHAR",
            "last_changed": "VARCHAR",
            "source": "VARCHAR",
            "tags": "JSON"
        }'))
    from members
),

renamed as (
    select
        record_id as member_id,
        list_id,
        trim(email_address) as email_address,
        lower(trim(email_address)) as email,
        status,
        email_type,
        nullif(trim(merge_fields.FNAME), '') as first_name,
        nullif(trim(merge_fields.LNAME), '') as last_name,
        nullif(trim(merge_fields.PHONE), '') as phone,
        -- Mailchimp sends "" for times it does not know, e.g. the signup time of an imported member.
        nullif(trim(timestamp_signup), '') as signed_up_at_raw,
        nullif(trim(timestamp_opt), '') as opted_in_at_raw,
        nullif(trim(last_changed), '') as last_changed_at_raw,
        source as signup_source,
        -- The cast keeps failing loudly on tags that are not a list.
        nullif(
            array_to_string(list_transform(coalesce(tags::json[], []), lambda tag: tag ->> 'name'), '|'),
            ''
        ) as tags
    from unpacked
),

final as (
    select
        member_id,
        list_id,
        email_address,
        email,
        status,
        email_type,
        first_name,
        last_name,
        phone,
        try_strptime(signed_up_at_raw, '%Y-%m-%dT%H:%M:%S%z') as signed_up_at,
        signed_up_at_raw,
        try_strptime(opted_in_at_raw, '%Y-%m-%dT%H:%M:%S%z') as opted_in_at,
        opted_in_at_raw,
        try_strptime(last_changed_at_raw, '%Y-%m-%dT%H:%M:%S%z') as last_changed_at,
        last_changed_at_raw,
        signup_source,
        tags
    from renamed
)

select * from final
