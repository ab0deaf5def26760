-- One row per Capitan association (member groups such as "Founders Team" or "Military").
-- record_id: association_id
with

associations as (
    select payload
    from raw_capitan__associations
),

-- One parse per record: `->>` would parse the whole document again for every field.
unpacked as (
    select unnest(json_transform(payload, '{
        "id": "VARCHAR",
        "name": "VARCHAR",
        "verification_requirements": "VARCHAR",
        "automatic_removal_interval_months": "VARCHAR",
        "reverification_period_days": "VARCHAR",
        "show_reverification_alert": "VARCHAR",
        "allow_automatic_entry_pass_use": "VARCHAR",
        "membership_expiration_age": "VARCHAR",
        "allow_customer_applications": "VARCHAR",
        "num_members": "VARCHAR",
        "member_square_customer_group_id": "VARCHAR",
        "member_square_customer_group_name": "VARCHAR",
        "created_at": "VARCHAR",
        "updated_at": "VARCHAR"
    }'))
    from associations
),

renamed as (
    select
        id as association_id,
        trim(name) as association_name,
        verification_requirements,
        automatic_removal_interval_months::integer as automatic_removal_interval_months,
        reverification_period_days::integer as reverification_period_days,
        show_reverification_alert::boolean as show_reverification_alert,
        allow_automatic_entry_pass_use::boolean as allow_automatic_entry_pass_use,
        membership_expiration_age::integer as membership_expiration_age,
        allow_customer_applications::boolean as allow_customer_applications,
        num_members::integer as num_members,
        member_square_customer_group_id,
        member_square_customer_group_name,
        created_at as created_at_raw,
        updated_at as updated_at_raw
    from unpacked
),

final as (
    select
        association_id,
        association_name,
        verification_requirements,
        automatic_removal_interval_months,
        reverification_period_days,
        show_reverification_alert,
        allow_automatic_entry_pass_use,
        membership_expiration_age,
        allow_customer_applications,
        num_members,
        member_square_customer_group_id,
        member_square_customer_group_name,
        timezone($time_zone, try_strptime(created_at_raw, ['%Y-%m-%dT%H:%M:%S.%f', '%Y-%m-%dT%H:%M:%S', '%Y-%m-%d %H:%M:%S.%f', '%Y-%m-%d %H:%M:%S']))
            as created_at,
        created_at_raw,
        timezone($time_zone, try_strptime(updated_at_raw, ['%Y-%m-%dT%H:%M:%S.%f', '%Y-%m-%dT%H:%M:%S', '%Y-%m-%d %H:%M:%S.%f', '%Y-%m-%d %H:%M:%S']))
            as updated_at,
        updated_at_raw
    from renamed
)

select * from final
