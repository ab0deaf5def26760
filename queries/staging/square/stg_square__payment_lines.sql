-- One row per line item of each completed Square sale. The payment's amount is shared across its
-- order's lines in proportion to each line's total (equally when every line is free), the rounding
-- remainder going to the last line, so a payment's lines add up to it exactly. Payments of orders
-- that are not COMPLETED are left out; a payment without order details (no order, an order not
-- fetched, or one without line items) is one line for its whole amount, so no money goes missing.
-- materialized: table
with

payments as (
    select *
    from stg_square__payments
    where status = 'COMPLETED'
),

orders as (
    select order_id, order_state, order_customer_id, line_items as items
    from stg_square__orders
),

order_lines as (
    select
        order_id,
        unnest(items) as item,
        generate_subscripts(items, 1) - 1 as line_number,
        len(items) as line_count
    from orders
    where order_state = 'COMPLETED'
),

itemised as (
    select
        p.*,
        o.order_customer_id,
        l.line_number,
        l.line_count,
        l.item.uid as line_uid,
        trim(l.item.name) as item_name,
        trim(l.item.variation_name) as variation_name,
        try_cast(l.item.quantity as decimal(12, 3)) as quantity,
        l.item.base_price_money.amount::bigint as base_price_cents,
        l.item.total_money.amount::bigint as line_total_cents,
        coalesce(l.item.total_tax_money.amount::bigint, 0) as tax_cents,
        coalesce(l.item.total_discount_money.amount::bigint, 0) as discount_cents
    from payments as p
    inner join order_lines as l using (order_id)
    left join orders as o using (order_id)
),

shared as (
    select
        *,
        case
            when sum(line_total_cents) over (partition by payment_id) = 0
                then round(amount_cents / line_count)::bigint
            else round(
                amount_cents * line_total_cents / sum(line_total_cents) over (partition by payment_id)
            )::bigint
        end as share_cents
    from itemised
),

allocated as (
    select
        * exclude (share_cents),
        case
            when line_number = line_count - 1
                then amount_cents - (sum(share_cents) over (partition by payment_id) - share_cents)
            else share_cents
        end as line_amount_cents
    from shared
),

without_order_details as (
    select
        p.*,
        o.order_customer_id,
        0 as line_number,
        1 as line_count,
        null::varchar as line_uid,
        null::varchar as item_name,
        null::varchar as variation_name,
        1::decimal(12, 3) as quantity,
        null::bigint as base_price_cents,
        p.amount_cents as line_total_cents,
        0::bigint as tax_cents,
        0::bigint as discount_cents,
        p.amount_cents as line_amount_cents
    from payments as p
    left join orders as o using (order_id)
    where
        o.order_id is null
        or (o.order_state = 'COMPLETED' and len(o.items) = 0)
),

lines as (
    select * from allocated
    union all by name
    select * from without_order_details
),

final as (
    select
        payment_id || '_item_' || line_number as transaction_id,
        payment_id,
        order_id,
        location_id,
        line_number,
        line_count,
        line_uid,
        item_name,
        variation_name,
        -- Both names go to the categoriser; Square's default variation name 'Regular' adds nothing.
        case
            when item_name is null then variation_name
            when variation_name is null or variation_name = '' then item_name
            when lower(variation_name) in ('regular', lower(item_name)) then item_name
            else item_name || ' — ' || variation_name
        end as description,
        quantity,
        base_price_cents,
        (base_price_cents / 100)::decimal(12, 2) as base_price,
        line_total_cents,
        (line_total_cents / 100)::decimal(12, 2) as line_total,
        tax_cents,
        (tax_cents / 100)::decimal(12, 2) as tax,
        discount_cents,
        (discount_cents / 100)::decimal(12, 2) as discount,
        line_amount_cents as amount_cents,
        (line_amount_cents / 100)::decimal(12, 2) as amount,
        amount_cents as payment_amount_cents,
        coalesce(square_customer_id, order_customer_id) as square_customer_id,
        buyer_email,
        source_type,
        created_at,
        created_at_raw,
        created_local_date
    from lines
)

select * from final
