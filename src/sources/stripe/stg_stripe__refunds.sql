-- One row per Stripe refund. Refunds name the charge; stg_transactions links them to their payment
-- intent through the intent's latest charge.
with

source as (
    select payload
    from raw_stripe__refunds
    qualify row_number() over (partition by record_id order by fetched_at desc, run_id desc) = 1
),

renamed as (
    select
        payload->>'id' as refund_id,
        payload->>'charge' as charge_id,
        payload->>'payment_intent' as payment_intent_id,
        (payload->>'amount')::bigint as amount_cents,
        lower(payload->>'currency') as currency,
        payload->>'status' as status,
        payload->>'reason' as reason,
        to_timestamp(try_cast(payload->>'created' as bigint)) as created_at,
        payload->>'created' as created_at_raw
    from source
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
