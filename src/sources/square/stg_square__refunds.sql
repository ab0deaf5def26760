-- One row per Square refund; stg_transactions links it to its payment by payment id.
with

source as (
    select payload
    from raw_square__refunds
    qualify row_number() over (partition by record_id order by fetched_at desc, run_id desc) = 1
),

renamed as (
    select
        payload->>'id' as refund_id,
        payload->>'payment_id' as payment_id,
        payload->>'order_id' as order_id,
        payload->>'location_id' as location_id,
        payload->>'status' as status,
        (payload->'amount_money'->>'amount')::bigint as amount_cents,
        payload->'amount_money'->>'currency' as currency,
        payload->>'reason' as reason,
        try_strptime(payload->>'created_at', ['%Y-%m-%dT%H:%M:%S.%fZ', '%Y-%m-%dT%H:%M:%SZ'])
            at time zone 'UTC' as created_at,
        payload->>'created_at' as created_at_raw,
        try_strptime(payload->>'updated_at', ['%Y-%m-%dT%H:%M:%S.%fZ', '%Y-%m-%dT%H:%M:%SZ'])
            at time zone 'UTC' as updated_at,
        payload->>'updated_at' as updated_at_raw
    from source
),

final as (
    select
        refund_id,
        payment_id,
        order_id,
        location_id,
        status,
        amount_cents,
        (amount_cents / 100)::decimal(12, 2) as amount,
        currency,
        reason,
        created_at,
        created_at_raw,
        timezone($time_zone, created_at)::date as created_local_date,
        updated_at,
        updated_at_raw
    from renamed
)

select * from final
