-- One row per Stripe payment intent, every status and mode: revenue filters (succeeded, livemode)
-- happen downstream, and failed intents feed payment-failure events. The latest charge arrives
-- expanded inline, so billing details and the charge id (which refunds point at) need no extra call.
with

source as (
    select payload
    from raw_stripe__payment_intents
    qualify row_number() over (partition by record_id order by fetched_at desc, run_id desc) = 1
),

unpacked as (
    select
        payload,
        case when json_type(payload->'latest_charge') = 'OBJECT' then payload->'latest_charge' end as charge,
        case
            when json_type(payload->'latest_charge') = 'OBJECT' then payload->'latest_charge'->>'id'
            else payload->>'latest_charge'
        end as latest_charge_id
    from source
),

renamed as (
    select
        payload->>'id' as payment_intent_id,
        payload->>'status' as status,
        (payload->>'livemode')::boolean as livemode,
        (payload->>'amount')::bigint as amount_cents,
        (payload->>'amount_received')::bigint as amount_received_cents,
        lower(payload->>'currency') as currency,
        trim(payload->>'description') as description,
        to_timestamp(try_cast(payload->>'created' as bigint)) as created_at,
        payload->>'created' as created_at_raw,
        payload->>'customer' as stripe_customer_id,
        latest_charge_id,
        charge->>'status' as charge_status,
        (charge->>'amount_refunded')::bigint as amount_refunded_cents,
        trim(coalesce(charge->>'receipt_email', payload->>'receipt_email')) as receipt_email,
        trim(charge->'billing_details'->>'name') as billing_name,
        trim(charge->'billing_details'->>'email') as billing_email,
        trim(charge->'billing_details'->>'phone') as billing_phone,
        trim(charge->'billing_details'->'address'->>'line1') as billing_address_line1,
        trim(charge->'billing_details'->'address'->>'city') as billing_city,
        trim(charge->'billing_details'->'address'->>'postal_code') as billing_postal_code,
        nullif(trim(payload->'metadata'->>'promotion_code'), '') as promo_code,
        payload->'last_payment_error'->>'code' as failure_code,
        payload->'last_payment_error'->>'decline_code' as decline_code,
        payload->'last_payment_error'->>'message' as failure_message
    from unpacked
),

final as (
    select
        payment_intent_id,
        status,
        livemode,
        amount_cents,
        (amount_cents / 100)::decimal(12, 2) as amount,
        amount_received_cents,
        (amount_received_cents / 100)::decimal(12, 2) as amount_received,
        amount_refunded_cents,
        currency,
        description,
        -- The Capitan customer-membership instance id in 'Capitan membership #180227 renewal payment'.
        nullif(regexp_extract(lower(description), 'membership #(\d+)', 1), '') as membership_id,
        created_at,
        created_at_raw,
        timezone($time_zone, created_at)::date as created_local_date,
        stripe_customer_id,
        latest_charge_id,
        charge_status,
        receipt_email,
        billing_name,
        billing_email,
        billing_phone,
        billing_address_line1,
        billing_city,
        billing_postal_code,
        promo_code,
        failure_code,
        decline_code,
        failure_message
    from renamed
)

select * from final
