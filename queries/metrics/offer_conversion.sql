-- One row per Mailchimp campaign: who it reached, who opened and clicked, and who converted within
-- $window_days days of the send, against customers who did not receive it in the same days.
--
-- People, not records: recipients, opens and clicks count distinct people (a matched customer, else
-- the address); conversions count distinct matched customers, however many membership records or
-- purchases they have. What converts depends on the offer: a membership discount → a membership
-- bought or started (as its owner); a retail discount → a pro-shop purchase; any other offer → a day
-- pass; a campaign without an offer (or not yet analysed) → a membership or a day pass.
--
-- conversion_rate is a share (0–1) of matched recipients; comparison_rate the same share among the
-- customers already known at the send (first event on or before it) who did not receive it, over the
-- same days (comparison_group names it); lift_points is their difference in percentage points,
-- (conversion_rate − comparison_rate) × 100. pre_period_rate, the recipients' own window before the
-- send, is kept for reference only: people subscribe when they buy, so it runs high.
--
-- Promo codes: promo_redemptions counts the payments carrying the campaign's offer_code, which only
-- Square's order discounts record (a code redeemed through Capitan, online or on a membership, stays
-- inside Capitan and reaches Stripe as a plain, lower amount); promo_revenue is what those payments
-- took, in dollars, and promo_discount what the code took off.
with

-- An offer that failed its plausibility checks (needs_review) counts as unknown: no offer, no code.
campaigns as (
    select * from int_campaign_offer_facts
),

-- One row per campaign, event type and person: a customer reached at two addresses is one person.
-- An email event's source record is `<campaign_id>:<email>` (int_event_sources): the campaign is read
-- from it rather than by parsing the details of every email event, most of the timeline.
email_people as materialized (
    select distinct
        split_part(source_record_id, ':', 1) as campaign_id,
        event_type,
        customer_id,
        coalesce(customer_id, 'address:' || source_record_id) as person
    from customer_events
    where event_type in ('email_sent', 'email_opened', 'email_clicked')
),

reach as (
    select
        campaign_id,
        count(*) filter (where event_type = 'email_sent') as recipients,
        count(customer_id) filter (where event_type = 'email_sent') as matched_recipients,
        count(*) filter (where event_type = 'email_opened') as opens,
        count(*) filter (where event_type = 'email_clicked') as clicks
    from email_people
    group by campaign_id
),

targets as (
    select
        campaign_id,
        sent_at,
        case
            when offer_type = 'membership_discount' then 'membership'
            when offer_type = 'retail_discount' then 'retail'
            when has_offer then 'day_pass'
            else 'membership_or_day_pass'
        end as conversion_event
    from campaigns
),

matched_recipients as (
    select p.campaign_id, p.customer_id, t.sent_at, t.conversion_event
    from email_people as p
    inner join targets as t using (campaign_id)
    where p.event_type = 'email_sent' and p.customer_id is not null and t.sent_at is not null
),

conversions as (
    select
        customer_id,
        event_date,
        case
            when event_type in ('membership_purchase', 'membership_started') then 'membership'
            when event_type = 'retail_purchase' then 'retail'
            else 'day_pass'
        end as conversion_kind
    from customer_events
    where customer_id is not null
      and (
          event_type in ('membership_purchase', 'retail_purchase', 'day_pass_purchase')
          or (event_type = 'membership_started' and (event_details ->> 'is_owner')::boolean)
      )
),

-- Each conversion with the campaigns whose window ($window_days either side of the send) holds it
-- and whose target it is: a few per conversion, so recipients and non-recipients are matched on
-- (campaign, customer) rather than every send against every purchase of its customer. Windows and
-- conversions meet on their UTC day numbers (a hash join) before the exact bounds are applied: a
-- range join over every campaign and conversion costs tens of seconds at scale.
window_days as (
    select
        t.*,
        unnest(range(
            epoch_ms(t.sent_at - to_days($window_days::integer)) // 86400000,
            epoch_ms(t.sent_at + to_days($window_days::integer)) // 86400000 + 1
        )) as day_number
    from targets as t
    where t.sent_at is not null
),

conversion_days as (
    select *, epoch_ms(event_date) // 86400000 as day_number from conversions
),

campaign_conversions as materialized (
    select w.campaign_id, w.sent_at, c.customer_id, c.event_date
    from window_days as w
    inner join conversion_days as c using (day_number)
    where c.event_date > w.sent_at - to_days($window_days::integer)
        and c.event_date <= w.sent_at + to_days($window_days::integer)
        and (
            c.conversion_kind = w.conversion_event
            or (w.conversion_event = 'membership_or_day_pass' and c.conversion_kind <> 'retail')
        )
),

outcomes as (
    select
        r.campaign_id,
        r.customer_id,
        bool_or(c.event_date > r.sent_at) as converted,
        bool_or(c.event_date <= r.sent_at) as converted_before
    from matched_recipients as r
    inner join campaign_conversions as c on c.campaign_id = r.campaign_id and c.customer_id = r.customer_id
    group by all
),

-- Everyone converting in each campaign's window, recipient or not, among customers already known
-- (their first event on or before the send).
first_seen as (
    select customer_id, min(event_date) as first_at
    from customer_events
    where customer_id is not null
    group by customer_id
),

window_converters as (
    select distinct c.campaign_id, c.customer_id
    from campaign_conversions as c
    inner join first_seen as f on f.customer_id = c.customer_id and f.first_at <= c.sent_at
    where c.event_date > c.sent_at
),

known_customers as (
    select t.campaign_id, count(*) as known
    from targets as t
    inner join first_seen as f on f.first_at <= t.sent_at
    group by t.campaign_id
),

known_recipients as (
    select r.campaign_id, count(*) as known
    from matched_recipients as r
    inner join first_seen as f on f.customer_id = r.customer_id and f.first_at <= r.sent_at
    group by r.campaign_id
),

non_recipient_converters as (
    select w.campaign_id, count(*) as converters
    from window_converters as w
    anti join matched_recipients as r on r.campaign_id = w.campaign_id and r.customer_id = w.customer_id
    group by w.campaign_id
),

comparison as (
    select
        k.campaign_id,
        k.known - coalesce(kr.known, 0) as comparison_customers,
        coalesce(n.converters, 0) as comparison_converters
    from known_customers as k
    left join known_recipients as kr using (campaign_id)
    left join non_recipient_converters as n using (campaign_id)
),

converted as (
    select
        campaign_id,
        count(*) filter (where converted) as converters,
        count(*) filter (where converted_before) as pre_period_converters
    from outcomes
    group by campaign_id
),

-- A payment carrying a code belongs to the campaign that sent it: when several campaigns share a
-- code, to the latest one sent before the payment (else the first one). Staff may apply a code to a
-- purchase made before the send (a membership bought ahead of its start), so none is dropped.
code_payments as (
    select
        c.campaign_id,
        c.offer_code,
        c.sent_at,
        t.payment_id,
        t.order_id,
        t.occurred_at,
        t.amount_cents
    from campaigns as c
    inner join transactions as t on list_contains(string_split(t.promo_code, ', '), c.offer_code)
    where c.offer_code is not null and not t.is_refund
),

payment_campaigns as (
    select payment_id, campaign_id, sent_at, min(occurred_at) as paid_at
    from code_payments
    group by all
),

chosen_campaigns as (
    select payment_id, campaign_id
    from payment_campaigns
    qualify row_number() over (
        partition by payment_id
        order by sent_at <= paid_at desc, case when sent_at <= paid_at then sent_at end desc nulls last, sent_at
    ) = 1
),

promo_payments as (
    select
        p.campaign_id,
        any_value(p.offer_code) as offer_code,
        p.payment_id,
        any_value(p.order_id) as order_id,
        sum(p.amount_cents) as amount_cents
    from code_payments as p
    semi join chosen_campaigns as c on c.payment_id = p.payment_id and c.campaign_id = p.campaign_id
    group by p.campaign_id, p.payment_id
),

promo_discounts as (
    select p.campaign_id, sum(d.applied_cents) as discount_cents
    from promo_payments as p
    inner join applied_discounts as d on d.order_id = p.order_id and d.promo_code = p.offer_code
    group by all
),

promo as (
    select campaign_id, count(*) as promo_redemptions, sum(amount_cents) as revenue_cents
    from promo_payments
    group by campaign_id
),

final as (
    select
        c.campaign_id,
        c.campaign_title,
        c.sent_at,
        c.has_offer,
        c.offer_type,
        c.offer_code,
        c.offer_amount,
        c.offer_description,
        c.offer_expires,
        c.email_category,
        c.analyzed_by,
        t.conversion_event,
        coalesce(r.recipients, 0) as recipients,
        coalesce(r.matched_recipients, 0) as matched_recipients,
        coalesce(r.opens, 0) as opens,
        coalesce(r.clicks, 0) as clicks,
        coalesce(v.converters, 0) as converters,
        coalesce(v.converters, 0) / nullif(r.matched_recipients, 0) as conversion_rate,
        'non_recipients_same_period' as comparison_group,
        coalesce(m.comparison_customers, 0) as comparison_customers,
        coalesce(m.comparison_converters, 0) as comparison_converters,
        m.comparison_converters / nullif(m.comparison_customers, 0) as comparison_rate,
        round(
            100 * (
                coalesce(v.converters, 0) / nullif(r.matched_recipients, 0)
                - m.comparison_converters / nullif(m.comparison_customers, 0)
            ),
            3
        ) as lift_points,
        coalesce(v.pre_period_converters, 0) / nullif(r.matched_recipients, 0) as pre_period_rate,
        $window_days::integer as window_days,
        coalesce(p.promo_redemptions, 0) as promo_redemptions,
        (coalesce(p.revenue_cents, 0) / 100)::decimal(12, 2) as promo_revenue,
        (coalesce(d.discount_cents, 0) / 100)::decimal(12, 2) as promo_discount
    from campaigns as c
    left join targets as t using (campaign_id)
    left join reach as r using (campaign_id)
    left join converted as v using (campaign_id)
    left join comparison as m using (campaign_id)
    left join promo as p using (campaign_id)
    left join promo_discounts as d using (campaign_id)
)

select * from final
order by sent_at, campaign_id
