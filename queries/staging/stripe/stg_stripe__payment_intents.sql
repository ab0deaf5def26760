-- One row per Stripe payment intent, every status and mode: revenue filters (succeeded, livemode)
-- happen downstream, and failed intents feed payment-failure events. The latest charge arrives
-- expanded inline, so billing details and the charge id (which refunds point at) need no extra call.
-- No promo code: Stripe keeps one only on Checkout Sessions, invoices and subscriptions, and this
-- gym's intents come from Capitan billing and Calendly, which use none of them (see the README).
-- record_id: payment_intent_id
with

source as (
    select payload
    from raw_stripe__payment_intents
),

-- One parse per record: `->>` would parse the whole document again for every field.
unpacked as (
    select unnest(json_transform(payload, '{
        "id": "VARCHAR",
        "status": "VARCHAR",
        "livemode": "VARCHAR",
        "amount": "VARCHAR",
        "amount_received": "VARCHAR",
        "currency": "VARCHAR",
        "description": "VARCHAR",
        "created": "VARCHAR",
        "customer": "VARCHAR",
        "receipt_email": "VARCHAR",
        "latest_charge": "JSON",
        "last_payment_error": {"code": "VARCHAR", "decline_code": "VARCHAR", "message": "VARCHAR"}
    }'))
    from source
),

-- `latest_charge` is the expanded charge object, or only its id should the expansion be ignored.
charges as (
    select
        *,
        case
            when json_type(latest_charge) = 'OBJECT' then json_transform(latest_charge, '{
                "id": "VARCHAR",
                "status": "VARCHAR",
                "amount_refunded": "VARCHAR",
                "receipt_email": "VARCHAR",
                "billing_details": {
                    "name": "VARCHAR",
                    "email": "VARCHAR",
                    "phone": "VARCHAR",
                    "address": {"line1": "VARCHAR", "city": "VARCHAR", "postal_code": "VARCHAR"}
                }
            }')
        end as charge
    from unpacked
),

renamed as (
    select
        id as payment_intent_id,
        status,
        livemode::boolean as livemode,
        amount::bigint as amount_cents,
        amount_received::bigint as amount_received_cents,
        lower(currency) as currency,
        trim(description) as description,
        to_timestamp(try_cast(created as bigint)) as created_at,
        created as created_at_raw,
        customer as stripe_customer_id,
        case when charge is null then latest_charge->>'$' else charge.id end as latest_charge_id,
        charge.status as charge_status,
        charge.amount_refunded::bigint as amount_refunded_cents,
        trim(coalesce(charge.receipt_email, receipt_email)) as receipt_email,
        trim(charge.billing_details.name) as billing_name,
        trim(charge.billing_details.email) as billing_email,
        trim(charge.billing_details.phone) as billing_phone,
        trim(charge.billing_details.address.line1) as billing_address_line1,
        trim(charge.billing_details.address.city) as billing_city,
        trim(charge.billing_details.address.postal_code) as billing_postal_code,
        last_payment_error.code as failure_code,
        last_payment_error.decline_code as decline_code,
        last_payment_error.message as failure_message
    from charges
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
        failure_code,
        decline_code,
        failure_message
    from renamed
)

select * from final
