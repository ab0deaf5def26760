-- Per gym-local week (Monday first): Meta ad spend against new paying customers, and blended CAC =
-- spend / new paying customers. A new paying customer is a person whose first payment from any
-- source falls in the week; every new customer counts, whatever brought them (hence "blended").
-- Every week with spend or a new paying customer has a row; CAC only where both are.
with

purchases as (
    select customer_id, event_local_date
    from customer_events
    where customer_id is not null
      and event_type in (
          'day_pass_purchase', 'membership_purchase', 'membership_renewal', 'retail_purchase',
          'programming_purchase', 'event_booking', 'other_purchase'
      )
),

first_payments as (
    select customer_id, min(event_local_date) as first_paid_on
    from purchases
    group by customer_id
),

new_customers as (
    select date_trunc('week', first_paid_on)::date as week_start, count(*) as new_paying_customers
    from first_payments
    group by 1
),

spend as (
    select date_trunc('week', spend_date)::date as week_start, sum(spend_cents) as spend_cents
    from ad_spend_daily
    group by 1
),

final as (
    select
        week_start,
        coalesce(s.spend_cents, 0)::bigint as spend_cents,
        coalesce(n.new_paying_customers, 0)::bigint as new_paying_customers,
        case when n.new_paying_customers > 0 and s.spend_cents > 0
            then round(s.spend_cents / n.new_paying_customers)::bigint end as blended_cac_cents
    from spend as s
    full join new_customers as n using (week_start)
)

select * from final
order by week_start
