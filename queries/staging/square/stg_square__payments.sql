-- One row per Square payment, every status. Amounts: `amount_money` is what the sale charged,
-- `total_money` adds the tip.
-- record_id: payment_id
with

source as (
    select payload
    from raw_square__payments
),

-- One parse per record: `->>` would parse the whole document again for every field.
unpacked as (
    select unnest(json_transform(payload, '{
        "id": "VARCHAR",
        "status": "VARCHAR",
        "order_id": "VARCHAR",
        "location_id": "VARCHAR",
        "customer_id": "VARCHAR",
        "buyer_email_address": "VARCHAR",
        "source_type": "VARCHAR",
        "amount_money": {"amount": "VARCHAR", "currency": "VARCHAR"},
        "tip_money": {"amount": "VARCHAR"},
        "total_money": {"amount": "VARCHAR"},
        "refunded_money": {"amount": "VARCHAR"},
        "created_at": "VARCHAR",
        "updated_at": "VARCHAR"
    }'))
    from source
),

renamed as (
    select
        id as payment_id,
        status,
        order_id,
        location_id,
        customer_id as square_customer_id,
        trim(buyer_email_address) as buyer_email,
        source_type,
        amount_money.amount::bigint as amount_cents,
        coalesce(tip_money.amount::bigint, 0) as tip_cents,
        total_money.amount::bigint as total_cents,
        coalesce(refunded_money.amount::bigint, 0) as refunded_cents,
        amount_money.currency as currency,
        try_strptime(created_at, ['%Y-%m-%dT%H:%M:%S.%fZ', '%Y-%m-%dT%H:%M:%SZ'])
            at time zone 'UTC' as created_at,
        created_at as created_at_raw,
        try_strptime(updated_at, ['%Y-%m-%dT%H:%M:%S.%fZ', '%Y-%m-%dT%H:%M:%SZ'])
            at time zone 'UTC' as updated_at,
        updated_at as updated_at_raw
    from unpacked
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
