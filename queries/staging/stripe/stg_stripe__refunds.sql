-- One row per Stripe refund. Refunds name the charge; transactions links them to their payment
-- intent through the intent's latest charge.
-- record_id: refund_id
with

source as (
    select payload
    from raw_stripe__refunds
),

-- One parse per record: `->>` would parse the whole document again for every field.
unpacked as (
    select unnest(json_transform(payload, '{
        "id": "VARCHAR",
        "charge": "VARCHAR",
        "payment_intent": "VARCHAR",
        "amount": "VARCHAR",
        "currency": "VARCHAR",
        "status": "VARCHAR",
        "reason": "VARCHAR",
        "created": "VARCHAR"
    }'))
    from source
),

renamed as (
    select
        id as refund_id,
        charge as charge_id,
        payment_intent as payment_intent_id,
        amount::bigint as amount_cents,
        lower(currency) as currency,
        status,
        reason,
        to_timestamp(try_cast(created as bigint)) as created_at,
        created as created_at_raw
    from unpacked
),

final as (
    select
        refund_id,
        charge_id,
        payment_intent_id,
        amount_cents,
        (amount_cents / 100)::decimal(12, 2) as amount,
        currency,
        status,
        reason,
        created_at,
        created_at_raw,
        timezone($time_zone, created_at)::date as created_local_date
    from renamed
)

select * from final
