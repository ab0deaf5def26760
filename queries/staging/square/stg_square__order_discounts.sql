-- One row per discount applied to a Square order. Staff type promo codes into the discount name;
-- a name shaped like a code (one upper-case word, e.g. CLIMBON42C or WELCOME) is taken as the code,
-- while descriptive names ('10% off', 'Military Discount') are not. A code matching no campaign is
-- harmless downstream; a real code missed would lose the redemption.
-- record_id: order_id
with

orders as (
    select payload
    from raw_square__orders
),

-- One parse per record: `->>` would parse the whole document again for every field.
unpacked as (
    select unnest(json_transform(payload, '{
        "id": "VARCHAR",
        "location_id": "VARCHAR",
        "discounts": [{
            "uid": "VARCHAR",
            "name": "VARCHAR",
            "type": "VARCHAR",
            "scope": "VARCHAR",
            "percentage": "VARCHAR",
            "amount_money": {"amount": "VARCHAR"},
            "applied_money": {"amount": "VARCHAR"}
        }]
    }'))
    from orders
),

discounts as (
    select
        id as order_id,
        location_id,
        unnest(coalesce(discounts, [])) as discount
    from unpacked
),

renamed as (
    select
        order_id,
        location_id,
        discount.uid as discount_uid,
        trim(discount.name) as discount_name,
        discount.type as discount_type,
        discount.scope as scope,
        try_cast(discount.percentage as decimal(7, 4)) as percentage,
        discount.amount_money.amount::bigint as amount_cents,
        coalesce(discount.applied_money.amount::bigint, 0) as applied_cents
    from discounts
),

final as (
    select
        order_id,
        location_id,
        discount_uid,
        discount_name,
        case
            when regexp_full_match(discount_name, '[A-Z0-9][A-Z0-9_-]{3,}') then discount_name
        end as promo_code,
        discount_type,
        scope,
        percentage,
        amount_cents,
        applied_cents,
        (applied_cents / 100)::decimal(12, 2) as applied_amount
    from renamed
)

select * from final
