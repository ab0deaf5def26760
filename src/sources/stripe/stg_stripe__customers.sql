-- One row per Stripe customer, identity fields as Stripe holds them (trimmed only).
with

source as (
    select payload
    from raw_stripe__customers
    qualify row_number() over (partition by record_id order by fetched_at desc, run_id desc) = 1
),

final as (
    select
        payload->>'id' as stripe_customer_id,
        trim(payload->>'email') as email,
        trim(payload->>'name') as name,
        trim(payload->>'phone') as phone,
        trim(payload->>'description') as description,
        trim(payload->'address'->>'line1') as address_line1,
        trim(payload->'address'->>'line2') as address_line2,
        trim(payload->'address'->>'city') as city,
        trim(payload->'address'->>'state') as state,
        trim(payload->'address'->>'postal_code') as postal_code,
        trim(payload->'address'->>'country') as country,
        (payload->>'livemode')::boolean as livemode,
        to_timestamp(try_cast(payload->>'created' as bigint)) as created_at,
        payload->>'created' as created_at_raw
    from source
)

select * from final
