-- One row per Stripe customer, identity fields as Stripe holds them (trimmed only).
-- record_id: stripe_customer_id
with

source as (
    select payload
    from raw_stripe__customers
),

-- One parse per record: `->>` would parse the whole document again for every field.
unpacked as (
    select unnest(json_transform(payload, '{
        "id": "VARCHAR",
        "email": "VARCHAR",
        "name": "VARCHAR",
        "phone": "VARCHAR",
        "description": "VARCHAR",
        "address": {
            "line1": "VARCHAR",
            "line2": "VARCHAR",
            "city": "VARCHAR",
            "state": "VARCHAR",
            "postal_code": "VARCHAR",
            "country": "VARCHAR"
        },
        "livemode": "VARCHAR",
        "created": "VARCHAR"
    }'))
    from source
),

final as (
    select
        id as stripe_customer_id,
        trim(email) as email,
        trim(name) as name,
        trim(phone) as phone,
        trim(description) as description,
        trim(address.line1) as address_line1,
        trim(address.line2) as address_line2,
        trim(address.city) as city,
        trim(address.state) as state,
        trim(address.postal_code) as postal_code,
        trim(address.country) as country,
        livemode::boolean as livemode,
        to_timestamp(try_cast(created as bigint)) as created_at,
        created as created_at_raw
    from unpacked
)

select * from final
