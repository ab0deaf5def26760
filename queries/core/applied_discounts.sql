-- One row per discount applied to a Square order: its name, the promo code when the name is one, and
-- the cents it took off. What offer conversion reads to value a promo code's redemptions.
-- materialized: view
with

order_discounts as (
    select * from stg_square__order_discounts
),

final as (
    select
        'square' as source,
        order_id,
        discount_uid,
        discount_name,
        promo_code,
        discount_type,
        scope,
        percentage,
        amount_cents,
        applied_cents
    from order_discounts
)

select * from final
