-- Net revenue reconciles: per source, transactions (sales less refunds, split into lines)
-- adds up to the staged payments that are revenue minus their refunds, to within the threshold
-- (cents). A difference means money was lost or double-counted between payments and lines.
-- severity: error
-- threshold: 0
with

stripe_payments as (
    select sum(amount_received_cents) as cents
    from stg_stripe__payment_intents
    where status = 'succeeded' and livemode
),

stripe_non_revenue as (
    select latest_charge_id, payment_intent_id
    from stg_stripe__payment_intents
    where not (status = 'succeeded' and livemode)
),

-- A refund counts unless the payment it refunds is known and is not revenue. Two anti joins, one
-- per way a refund names its payment: an `or` inside one would compare every refund with every
-- payment.
stripe_refunds as (
    select sum(r.amount_cents) as cents
    from stg_stripe__refunds as r
    anti join stripe_non_revenue as by_charge on by_charge.latest_charge_id = r.charge_id
    anti join stripe_non_revenue as by_intent on by_intent.payment_intent_id = r.payment_intent_id
    where r.status = 'succeeded'
),

square_payments as (
    select sum(amount_cents) as cents
    from stg_square__payments
    where status = 'COMPLETED'
),

square_refunds as (
    select sum(r.amount_cents) as cents
    from stg_square__refunds as r
    where r.status = 'COMPLETED'
      and not exists (
          select 1 from stg_square__payments as p
          where p.payment_id = r.payment_id and p.status <> 'COMPLETED'
      )
),

expected as (
    select 'stripe' as source, coalesce(p.cents, 0) - coalesce(r.cents, 0) as expected_cents
    from stripe_payments as p, stripe_refunds as r
    union all
    select 'square', coalesce(p.cents, 0) - coalesce(r.cents, 0)
    from square_payments as p, square_refunds as r
),

actual as (
    select source, sum(amount_cents) as net_cents
    from transactions
    group by source
)

select
    e.source,
    e.expected_cents::bigint as payments_less_refunds_cents,
    coalesce(a.net_cents, 0)::bigint as transactions_net_cents,
    (coalesce(a.net_cents, 0) - e.expected_cents)::bigint as difference_cents
from expected as e
left join actual as a using (source)
where abs(coalesce(a.net_cents, 0) - e.expected_cents) > $threshold
order by e.source
