-- One row per customer in an association, with the name and birthday Capitan shows for them.
-- record_id: association_member_id
with

association_members as (
    select payload
    from raw_capitan__association_members
),

-- One parse per record: `->>` would parse the whole document again for every field.
unpacked as (
    select unnest(json_transform(payload, '{
        "id": "VARCHAR",
        "association_id": "VARCHAR",
        "association_name": "VARCHAR",
        "customer_id": "VARCHAR",
        "customer_first_name": "VARCHAR",
        "customer_last_name": "VARCHAR",
        "customer_birthday": "VARCHAR",
        "created_at": "VARCHAR",
        "approved_at": "VARCHAR",
        "updated_at": "VARCHAR"
    }'))
    from association_members
),

renamed as (
    select
        id as association_member_id,
        association_id,
        trim(association_name) as association_name,
        customer_id,
        trim(customer_first_name) as first_name,
        trim(customer_last_name) as last_name,
        customer_birthday as birthday_raw,
        created_at as created_at_raw,
        approved_at as approved_at_raw,
        updated_at as updated_at_raw
    from unpacked
),

final as (
    select
        association_member_id,
        association_id,
        association_name,
        customer_id,
        first_name,
        last_name,
        try_strptime(birthday_raw, '%Y-%m-%d')::date as birthday,
        birthday_raw,
        -- `created_at` is the date the customer was added to the association.
        timezone($time_zone, try_strptime(created_at_raw, ['%Y-%m-%dT%H:%M:%S.%f', '%Y-%m-%dT%H:%M:%S', '%Y-%m-%d %H:%M:%S.%f', '%Y-%m-%d %H:%M:%S']))
            as created_at,
        created_at_raw,
        timezone($time_zone, try_strptime(approved_at_raw, ['%Y-%m-%dT%H:%M:%S.%f', '%Y-%m-%dT%H:%M:%S', '%Y-%m-%d %H:%M:%S.%f', '%Y-%m-%d %H:%M:%S']))
            as approved_at,
        approved_at_raw,
        timezone($time_zone, try_strptime(updated_at_raw, ['%Y-%m-%dT%H:%M:%S.%f', '%Y-%m-%dT%H:%M:%S', '%Y-%m-%d %H:%M:%S.%f', '%Y-%m-%d %H:%M:%S']))
            as updated_at,
        updated_at_raw
    from renamed
)

select * from final
