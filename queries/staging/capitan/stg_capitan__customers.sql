-- One row per Capitan customer. Every customer stays, including kids with neither email nor phone.
-- Capitan's timestamps are the gym's wall-clock time, so they are read in $time_zone.
-- record_id: customer_id
with

customers as (
    select payload
    from raw_capitan__customers
),

-- One parse per record: `->>` would parse the whole document again for every field.
unpacked as (
    select unnest(json_transform(payload, '{
        "id": "VARCHAR",
        "first_name": "VARCHAR",
        "last_name": "VARCHAR",
        "preferred_name": "VARCHAR",
        "email": "VARCHAR",
        "telephone": "VARCHAR",
        "birthday": "VARCHAR",
        "has_opted_in_to_marketing": "VARCHAR",
        "has_active_membership": "VARCHAR",
        "active_waiver_exists": "VARCHAR",
        "latest_waiver_expiration_date": "VARCHAR",
        "created_at": "VARCHAR",
        "relations_url": "VARCHAR"
    }'))
    from customers
),

renamed as (
    select
        id as customer_id,
        trim(first_name) as first_name,
        trim(last_name) as last_name,
        nullif(trim(preferred_name), '') as preferred_name,
        nullif(trim(email), '') as email,
        -- Capitan calls it `telephone`; there is no `phone` field.
        nullif(trim(telephone), '') as phone,
        birthday as birthday_raw,
        has_opted_in_to_marketing::boolean as has_opted_in_to_marketing,
        has_active_membership::boolean as has_active_membership,
        active_waiver_exists::boolean as active_waiver_exists,
        latest_waiver_expiration_date as latest_waiver_expiration_date_raw,
        created_at as created_at_raw,
        relations_url
    from unpacked
),

final as (
    select
        customer_id,
        first_name,
        last_name,
        preferred_name,
        email,
        phone,
        try_strptime(birthday_raw, '%Y-%m-%d')::date as birthday,
        birthday_raw,
        has_opted_in_to_marketing,
        has_active_membership,
        active_waiver_exists,
        try_strptime(latest_waiver_expiration_date_raw, '%Y-%m-%d')::date as latest_waiver_expiration_date,
        latest_waiver_expiration_date_raw,
        timezone($time_zone, try_strptime(created_at_raw, ['%Y-%m-%dT%H:%M:%S.%f', '%Y-%m-%dT%H:%M:%S', '%Y-%m-%d %H:%M:%S.%f', '%Y-%m-%d %H:%M:%S']))
            as created_at,
        created_at_raw,
        relations_url
    from renamed
)

select * from final
