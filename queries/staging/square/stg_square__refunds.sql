-- One row per Square refund; transactions links it to its payment by payment id.
-- record_id: refund_id
with

source as (
    select payload
    from raw_square__refunds
),

-- One parse per record: `->>` would parse the whole document again for every field.
unpacked as (
    select unnest(json_transform(payload, '{
        "id": "VARCHAR",
        "payment_id": "VARCHAR",
        "order_id": "VARCHAR",
        "location_id": "VARCHAR",
        "status": "VARCHAR",
        "amount_money": {"amount": "VARCHAR", "currency": "VARCHAR"},
        "reason": "VARCHAR",
        "created_at": "VARCHAR",
        "updated_at": "VARCHAR"
    }'))
    from source
),

renamed as (
    select
        id as refund_id,
        payment_id,
        order_id,
        location_id,
        status,
        amount_money.amount::bigint as amount_cents,
        amount_money.currency as currency,
        reason,
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
