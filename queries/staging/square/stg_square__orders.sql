-- One row per Square order: its state, customer and line items (a typed list: uid, names, quantity
-- and money per line), which stg_square__payment_lines shares each payment across.
-- record_id: order_id
with

order_records as (
    select payload
    from raw_square__orders
),

-- One parse per record: `->>` would parse the whole document again for every field.
unpacked as (
    select unnest(json_transform(payload, '{
        "id": "VARCHAR",
        "state": "VARCHAR",
        "customer_id": "VARCHAR",
        "line_items": [{
            "uid": "VARCHAR",
            "name": "VARCHAR",
            "variation_name": "VARCHAR",
            "quantity": "VARCHAR",
            "base_price_money": {"amount": "VARCHAR"},
            "total_money": {"amount": "VARCHAR"},
            "total_tax_money": {"amount": "VARCHAR"},
            "total_discount_money": {"amount": "VARCHAR"}
        }]
    }'))
    from order_records
),

final as (
    select
        id as order_id,
        state as order_state,
        customer_id as order_customer_id,
        coalesce(line_items, []) as line_items
    from unpacked
)

select * from final
