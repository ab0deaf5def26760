-- Net revenue, one row per payment line: Stripe intents that succeeded in live mode (for what they
-- actually received), Square sale lines, and refunds as negative rows on the refund's own date.
-- A refund finds its payment by charge id (Stripe) or payment id (Square) and keeps that payment's
-- description, hence its category, so net revenue by category adds up; `is_refund` and
-- `refund_of_transaction_id` tell refunds apart. A Square refund is shared across its payment's
-- lines like the payment was. A refund whose payment was never fetched stays in, uncategorised: the
-- money still left; a refund of a payment that is not revenue (test mode, an order never completed)
-- is left out with it.
with

stripe_intents as (
    select * from stg_stripe__payment_intents
),

stripe_revenue as (
    select *
    from stripe_intents
    where status = 'succeeded' and livemode
),

stripe_sales as (
    select
        payment_intent_id as transaction_id,
        'stripe' as source,
        payment_intent_id as payment_id,
        latest_charge_id as stripe_charge_id,
        null::varchar as order_id,
        null::varchar as refund_id,
        created_at as occurred_at,
        amount_received_cents as amount_cents,
        1::decimal(12, 3) as quantity,
        description,
        null::varchar as item_name,
        null::varchar as variation_name,
        -- Codes live on Square's order discounts only (see the README).
        null::varchar as promo_code,
        membership_id,
        stripe_customer_id,
        null::varchar as square_customer_id,
        coalesce(receipt_email, billing_email) as email,
        billing_name,
        false as is_refund,
        null::varchar as refund_of_transaction_id
    from stripe_revenue
),

stripe_refund_links as (
    select
        r.*,
        coalesce(by_charge.payment_intent_id, by_intent.payment_intent_id) as linked_intent_id
    from stg_stripe__refunds as r
    left join stripe_intents as by_charge on by_charge.latest_charge_id = r.charge_id
    left join stripe_intents as by_intent on by_intent.payment_intent_id = r.payment_intent_id
    where r.status = 'succeeded'
),

stripe_refunds as (
    select
        'refund_' || r.refund_id as transaction_id,
        'stripe' as source,
        coalesce(r.linked_intent_id, r.payment_intent_id) as payment_id,
        r.charge_id as stripe_charge_id,
        null::varchar as order_id,
        r.refund_id,
        r.created_at as occurred_at,
        -r.amount_cents as amount_cents,
        null::decimal(12, 3) as quantity,
        p.description,
        null::varchar as item_name,
        null::varchar as variation_name,
        null::varchar as promo_code,
        p.membership_id,
        p.stripe_customer_id,
        null::varchar as square_customer_id,
        coalesce(p.receipt_email, p.billing_email) as email,
        p.billing_name,
        true as is_refund,
        p.payment_intent_id as refund_of_transaction_id
    from stripe_refund_links as r
    left join stripe_revenue as p on p.payment_intent_id = r.linked_intent_id
    where r.linked_intent_id is null or p.payment_intent_id is not null
),

square_lines as (
    select * from stg_square__payment_lines
),

square_promo_codes as (
    select
        order_id,
        string_agg(distinct promo_code, ', ' order by promo_code) as promo_code
    from stg_square__order_discounts
    where promo_code is not null
    group by order_id
),

square_sales as (
    select
        l.transaction_id,
        'square' as source,
        l.payment_id,
        null::varchar as stripe_charge_id,
        l.order_id,
        null::varchar as refund_id,
        l.created_at as occurred_at,
        l.amount_cents,
        l.quantity,
        l.description,
        l.item_name,
        l.variation_name,
        c.promo_code,
        null::varchar as membership_id,
        null::varchar as stripe_customer_id,
        l.square_customer_id,
        l.buyer_email as email,
        null::varchar as billing_name,
        false as is_refund,
        null::varchar as refund_of_transaction_id
    from square_lines as l
    left join square_promo_codes as c using (order_id)
),

square_completed_refunds as (
    select *
    from stg_square__refunds
    where status = 'COMPLETED'
),

square_refund_shares as (
    select
        r.refund_id,
        r.created_at as refunded_at,
        r.amount_cents as refund_cents,
        l.*,
        case
            when sum(l.amount_cents) over (partition by r.refund_id) = 0
                then round(r.amount_cents / l.line_count)::bigint
            else round(r.amount_cents * l.amount_cents / sum(l.amount_cents) over (partition by r.refund_id))::bigint
        end as share_cents
    from square_completed_refunds as r
    inner join square_lines as l using (payment_id)
),

square_line_refunds as (
    select
        'refund_' || s.refund_id || '_item_' || s.line_number as transaction_id,
        'square' as source,
        s.payment_id,
        null::varchar as stripe_charge_id,
        s.order_id,
        s.refund_id,
        s.refunded_at as occurred_at,
        -case
            when s.line_number = s.line_count - 1
                then s.refund_cents - (sum(s.share_cents) over (partition by s.refund_id) - s.share_cents)
            else s.share_cents
        end as amount_cents,
        null::decimal(12, 3) as quantity,
        s.description,
        s.item_name,
        s.variation_name,
        null::varchar as promo_code,
        null::varchar as membership_id,
        null::varchar as stripe_customer_id,
        s.square_customer_id,
        s.buyer_email as email,
        null::varchar as billing_name,
        true as is_refund,
        s.transaction_id as refund_of_transaction_id
    from square_refund_shares as s
),

square_unlinked_refunds as (
    select
        'refund_' || r.refund_id as transaction_id,
        'square' as source,
        r.payment_id,
        null::varchar as stripe_charge_id,
        r.order_id,
        r.refund_id,
        r.created_at as occurred_at,
        -r.amount_cents as amount_cents,
        null::decimal(12, 3) as quantity,
        null::varchar as description,
        null::varchar as item_name,
        null::varchar as variation_name,
        null::varchar as promo_code,
        null::varchar as membership_id,
        null::varchar as stripe_customer_id,
        null::varchar as square_customer_id,
        null::varchar as email,
        null::varchar as billing_name,
        true as is_refund,
        null::varchar as refund_of_transaction_id
    from square_completed_refunds as r
    anti join stg_square__payments as p using (payment_id)
),

unioned as (
    select * from stripe_sales
    union all by name
    select * from stripe_refunds
    union all by name
    select * from square_sales
    union all by name
    select * from square_line_refunds
    union all by name
    select * from square_unlinked_refunds
),

categories as (
    select * from int_transaction_categories
),

final as (
    select
        t.transaction_id,
        t.source,
        t.payment_id,
        t.stripe_charge_id,
        t.order_id,
        t.refund_id,
        t.occurred_at,
        timezone($time_zone, t.occurred_at)::date as local_date,
        t.amount_cents,
        (t.amount_cents / 100)::decimal(12, 2) as amount,
        t.quantity,
        t.description,
        t.item_name,
        t.variation_name,
        coalesce(c.category, 'uncategorised') as category,
        c.sub_category,
        coalesce(c.includes_gear, false) as includes_gear,
        case
            when not t.is_refund and c.category = 'day_pass' then coalesce(t.quantity, 1)::integer
            else 0
        end as day_pass_count,
        t.promo_code,
        t.membership_id,
        t.stripe_customer_id,
        t.square_customer_id,
        t.email,
        t.billing_name,
        t.is_refund,
        t.refund_of_transaction_id
    from unioned as t
    left join categories as c using (description)
)

select * from final
