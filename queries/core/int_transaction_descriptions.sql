-- The distinct payment descriptions the categoriser (int_transaction_categories) sees: Stripe's
-- description, and for Square the item and variation names together, so rules match either name.
-- Failed Stripe intents are included: payment-failure events are categorised too.
with

stripe_descriptions as (
    select description
    from stg_stripe__payment_intents
    where description is not null
),

square_descriptions as (
    select description
    from stg_square__payment_lines
    where description is not null
),

final as (
    select distinct description
    from (
        select description from stripe_descriptions
        union all
        select description from square_descriptions
    )
)

select * from final
