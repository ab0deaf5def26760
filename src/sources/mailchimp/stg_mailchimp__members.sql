-- One row per member of the audience, with the identity fields as Mailchimp holds them.
with

members as (
    select record_id, payload
    from raw_mailchimp__members
    qualify row_number() over (partition by record_id order by fetched_at desc, run_id desc) = 1
),

renamed as (
    select
        record_id as member_id,
        payload ->> 'list_id' as list_id,
        trim(payload ->> 'email_address') as email_address,
        lower(trim(payload ->> 'email_address')) as email,
        payload ->> 'status' as status,
        payload ->> 'email_type' as email_type,
        nullif(trim(payload -> 'merge_fields' ->> 'FNAME'), '') as first_name,
        nullif(trim(payload -> 'merge_fields' ->> 'LNAME'), '') as last_name,
        nullif(trim(payload -> 'merge_fields' ->> 'PHONE'), '') as phone,
        -- Mailchimp sends "" for times it does not know, e.g. the signup time of an imported member.
        nullif(trim(payload ->> 'timestamp_signup'), '') as signed_up_at_raw,
        nullif(trim(payload ->> 'timestamp_opt'), '') as opted_in_at_raw,
        nullif(trim(payload ->> 'last_changed'), '') as last_changed_at_raw,
        payload ->> 'source' as signup_source,
        nullif(
            array_to_string(list_transform(coalesce((payload -> 'tags')::json[], []), lambda tag: tag ->> 'name'), '|'),
            ''
        ) as tags
    from members
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
