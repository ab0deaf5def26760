-- Per Meta campaign: spend, Meta-reported purchases and value (Meta's own attribution window, view
---through included), and promo-code-attributed customers, revenue and 90-day value: payments that
-- carry a code one of the campaign's ads names, the people who made them, and everything those
-- people paid in the 90 days from their first such payment. A code sale no customer is known for
-- (cash at the front desk, no Square customer) is still a customer the ad brought: it counts as one,
-- and only the named ones have a 90-day value. ROAS on both bases: reported value / spend
-- ("Meta-reported ROAS") and promo revenue / spend ("promo-code ROAS"); promo-code CAC = spend /
-- promo-code customers.
with

ads as (
    select * from ad_spend_daily
),

campaign_spend as (
    select
        campaign_id,
        any_value(campaign_name) as campaign_name,
        sum(spend_cents) as spend_cents,
        sum(impressions) as impressions,
        sum(clicks) as clicks,
        sum(reported_purchases) as reported_purchases,
        sum(reported_purchase_value_cents) as reported_value_cents
    from ads
    group by campaign_id
),

campaign_codes as (
    select distinct campaign_id, promo_code
    from ads
    where promo_code is not null
),

code_payments as (
    select c.campaign_id, t.payment_id, t.occurred_at, t.amount_cents
    from campaign_codes as c
    inner join transactions as t on list_contains(string_split(upper(t.promo_code), ', '), c.promo_code)
    where not t.is_refund
),

-- A payment's customers: those its lines' events are attached to (a purchase or refund event's source
-- record is its transaction), found by joining rather than by parsing every event's details.
payment_customers as (
    select distinct t.payment_id, e.customer_id
    from customer_events as e
    inner join transactions as t on t.source = e.event_source and t.transaction_id = e.source_record_id
    where e.customer_id is not null
),

attributed as (
    select p.campaign_id, c.customer_id, min(p.occurred_at) as first_at, sum(p.amount_cents) as revenue_cents
    from code_payments as p
    inner join payment_customers as c using (payment_id)
    group by p.campaign_id, c.customer_id
),

value_90d as (
    select a.campaign_id, sum(t.amount_cents) as value_cents
    from attributed as a
    inner join payment_customers as c using (customer_id)
    inner join transactions as t on t.payment_id = c.payment_id
    where t.occurred_at >= a.first_at and t.occurred_at < a.first_at + interval 90 day
    group by a.campaign_id
),

promo as (
    select
        p.campaign_id,
        sum(p.amount_cents) as promo_revenue_cents,
        count(distinct p.payment_id) filter (where c.payment_id is null) as unnamed_customers
    from code_payments as p
    left join (select distinct payment_id from payment_customers) as c using (payment_id)
    group by p.campaign_id
),

named as (
    select campaign_id, count(*) as named_customers
    from attributed
    group by campaign_id
),

final as (
    select
        s.campaign_id,
        s.campaign_name,
        s.spend_cents::bigint as spend_cents,
        s.impressions::bigint as impressions,
        s.clicks::bigint as clicks,
        s.reported_purchases::bigint as meta_reported_purchases,
        s.reported_value_cents::bigint as meta_reported_value_cents,
        (coalesce(n.named_customers, 0) + coalesce(p.unnamed_customers, 0))::bigint as promo_customers,
        coalesce(n.named_customers, 0)::bigint as promo_customers_named,
        coalesce(p.promo_revenue_cents, 0)::bigint as promo_revenue_cents,
        coalesce(v.value_cents, 0)::bigint as promo_customers_90d_value_cents,
        round(s.reported_value_cents / nullif(s.spend_cents, 0), 3) as roas_meta_reported,
        round(coalesce(p.promo_revenue_cents, 0) / nullif(s.spend_cents, 0), 3) as roas_promo_code,
        round(s.spend_cents / nullif(coalesce(n.named_customers, 0) + coalesce(p.unnamed_customers, 0), 0))::bigint
            as cac_promo_code_cents
    from campaign_spend as s
    left join promo as p using (campaign_id)
    left join named as n using (campaign_id)
    left join value_90d as v using (campaign_id)
)

select * from final
order by spend_cents desc, campaign_id
