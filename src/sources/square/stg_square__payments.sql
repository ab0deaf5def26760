-- One row per Square payment, every status. Amounts: `amount_money` is what the sale charged,
-- `total_money` adds the tip.
with

source as (
    select payload
    from raw_square__payments
    qualify row_number() over (partition by record_id order by fetched_at desc, run_id desc) = 1
),

renamed as (
    select
        payload->>'id' as payment_id,
        payload->>'status' as status,
        payload->>'order_id' as order_id,
        payload->>'location_id' as location_id,
        payload->>'customer_id' as square_customer_id,
        trim(payload->>'buyer_email_address') as buyer_email,
        payload->>'source_type' as source_type,
        (payload->'amount_money'->>'amount')::bigint as amount_cents,
        coalesce((payload->'tip_money'->>'amount')::bigint, 0) as tip_cents,
        (payload->'total_money'->>'amount')::bigint as total_cents,
        coalesce((payload->'refunded_money'->>'amount')::bigint, 0) as refunded_cents,
        payload->'amount_money'->>'currency' as currency,
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
        payment_id,
        status,
        order_id,
        location_id,
        square_customer_id,
        buyer_email,
        source_type,
        amount_cents,
        (amount_cents / 100)::decimal(12, 2) as amount,
        tip_cents,
        total_cents,
        refunded_cents,
        currency,
        created_at,
        created_at_raw,
        timezone($time_zone, created_at)::date as created_local_date,
        updated_at,
        updated_at_raw
    from renamed
)

select * from final
