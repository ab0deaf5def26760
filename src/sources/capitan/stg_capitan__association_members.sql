-- One row per customer in an association, with the name and birthday Capitan shows for them.
with

association_members as (
    select payload
    from raw_capitan__association_members
    qualify row_number() over (partition by record_id order by fetched_at desc, run_id desc) = 1
),

renamed as (
    select
        payload->>'id' as association_member_id,
        payload->>'association_id' as association_id,
        trim(payload->>'association_name') as association_name,
        payload->>'customer_id' as customer_id,
        trim(payload->>'customer_first_name') as first_name,
        trim(payload->>'customer_last_name') as last_name,
        payload->>'customer_birthday' as birthday_raw,
        payload->>'created_at' as created_at_raw,
        payload->>'approved_at' as approved_at_raw,
        payload->>'updated_at' as updated_at_raw
    from association_members
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
        timezone($time_zone, try_strptime(created_at_raw, ['%Y-%m-%d %H:%M:%S.%f', '%Y-%m-%d %H:%M:%S']))
            as created_at,
        created_at_raw,
        timezone($time_zone, try_strptime(approved_at_raw, ['%Y-%m-%d %H:%M:%S.%f', '%Y-%m-%d %H:%M:%S']))
            as approved_at,
        approved_at_raw,
        timezone($time_zone, try_strptime(updated_at_raw, ['%Y-%m-%d %H:%M:%S.%f', '%Y-%m-%d %H:%M:%S']))
            as updated_at,
        updated_at_raw
    from renamed
)

select * from final
