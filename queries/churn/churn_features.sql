-- One row per member per as-of date T (each date of $as_of_dates, comma-separated ISO dates): what the
-- lake knew about them by the end of T, and nothing later. A member is a customer on a membership (not
-- a 2-week pass, not team dues) that started by T and had not ended by T. Every event read is dated
-- T or before; windows reach back at most $lookback_days days (visit counts, purchases, email).
with

as_of_dates as (
    select distinct unnest(string_split($as_of_dates::varchar, ','))::date as as_of
),

known_memberships as (
    select d.as_of, m.*
    from customer_memberships as m, as_of_dates as d
    where m.is_membership and m.started_on <= d.as_of
),

household_sizes as (
    select membership_id, count(distinct customer_id) as people_on_membership
    from customer_memberships
    group by all
),

members as (
    select
        k.as_of,
        k.customer_id,
        arg_max(k.membership_name, k.started_on) as membership_name,
        arg_max(k.frequency, k.started_on) as frequency,
        arg_max(k.billing_amount, k.started_on)::double as billing_amount,
        arg_max(k.started_on, k.started_on) as current_started_on,
        bool_or(k.is_fixed_term) as is_fixed_term,
        bool_or(k.is_owner) as is_owner,
        max(h.people_on_membership) as people_on_membership
    from known_memberships as k
    left join household_sizes as h using (membership_id)
    where k.ended_on is null or k.ended_on > k.as_of
    group by all
),

history as (
    select
        as_of,
        customer_id,
        min(started_on) as first_started_on,
        count(distinct membership_id) filter (where ended_on <= as_of) as memberships_ended,
        count(*) filter (
            where len(list_filter(freezes, lambda f: f.frozen_on <= as_of and f.frozen_until > as_of)) > 0
        ) as frozen_now,
        sum(len(list_filter(freezes, lambda f: f.frozen_on <= as_of))) as freezes_seen
    from known_memberships
    group by all
),

-- Each member's days with a check-in (a second check-in the same day is the same visit), deduplicated
-- before the join with the as-of dates: deduplicated after it, as (date, member, day), it was the
-- query's largest cost, each day being counted again for each month-end that sees it.
checkin_days as (
    select distinct customer_id, event_local_date as visited_on
    from customer_events
    where event_type = 'checkin'
      -- The join's own bounds, over all dates at once: a day's scoring then joins its window's
      -- check-ins only, not the whole history.
      and event_local_date <= (select max(as_of) from as_of_dates)
      and event_local_date > (select min(as_of) from as_of_dates) - $lookback_days::integer
),

visits as (
    select m.as_of, c.customer_id, c.visited_on, m.as_of - c.visited_on as age
    from checkin_days as c
    inner join members as m
        on c.customer_id = m.customer_id
        and c.visited_on <= m.as_of
        and c.visited_on > m.as_of - $lookback_days::integer
),

recent_events as (
    select m.as_of, e.customer_id, e.event_type, e.event_local_date, e.amount, e.has_offer, m.as_of - e.event_local_date as age
    from (
        -- The two JSON fields read, parsed once per event and only where they count, before the join:
        -- the JSON text carried through the join and parsed per member-month cost a third of the query.
        select
            customer_id,
            event_type,
            event_local_date,
            case when event_type in ('day_pass_purchase', 'retail_purchase', 'programming_purchase', 'event_booking')
                then (event_details->>'amount')::decimal(18, 2) end as amount,
            case when event_type = 'email_sent' then (event_details->>'has_offer')::boolean end as has_offer
        from customer_events
    ) as e
    inner join members as m
        on e.customer_id = m.customer_id
        and e.event_local_date <= m.as_of
        and e.event_local_date > m.as_of - $lookback_days::integer
    where e.event_type in (
        'day_pass_purchase', 'retail_purchase', 'programming_purchase', 'event_booking',
        'payment_failed', 'membership_renewal', 'email_sent', 'email_opened', 'email_clicked'
    )
      and e.event_local_date <= (select max(as_of) from as_of_dates)
      and e.event_local_date > (select min(as_of) from as_of_dates) - $lookback_days::integer
),

visit_counts as (
    select
        as_of,
        customer_id,
        count(*) filter (where age < 14) as visits_2w,
        count(*) filter (where age >= 14 and age < 28) as visits_prev_2w,
        count(*) filter (where age < 28) as visits_4w,
        count(*) filter (where age >= 28 and age < 56) as visits_prev_4w,
        count(*) filter (where age < 56) as visits_8w,
        count(*) filter (where age >= 56 and age < 112) as visits_prev_8w,
        count(*) as visits_lookback,
        -- The member's own rate before the last 8 weeks: visits while a member, over those days.
        count(*) filter (where age >= 56 and visited_on >= h.first_started_on) as visits_base,
        min(age) as days_since_visit,
        count(distinct dayofweek(visited_on)) filter (where age < 56) as weekdays_8w
    from visits
    inner join history as h using (as_of, customer_id)
    group by all
),

other_counts as (
    select
        as_of,
        customer_id,
        count(*) filter (where event_type in ('day_pass_purchase', 'retail_purchase') and age < 90) as purchases_90d,
        -- Summed as exact cents: a sum of doubles depends on the order the rows arrive in.
        coalesce(sum(amount) filter (
            where event_type in ('day_pass_purchase', 'retail_purchase', 'programming_purchase', 'event_booking')
              and age < 90
        ), 0)::double as spend_90d,
        count(*) filter (where event_type in ('programming_purchase', 'event_booking') and age < 90) as classes_90d,
        count(*) filter (where event_type = 'payment_failed' and age < 30) as failed_payments_30d,
        count(*) filter (where event_type = 'payment_failed') as failed_payments_lookback,
        min(age) filter (where event_type = 'payment_failed') as days_since_failed_payment,
        min(age) filter (where event_type = 'membership_renewal') as days_since_renewal,
        count(*) filter (where event_type = 'email_sent' and age < 90) as emails_90d,
        count(*) filter (where event_type = 'email_sent' and age < 90
                                and has_offer) as offers_90d,
        count(*) filter (where event_type = 'email_opened' and age < 90) as opens_90d,
        count(*) filter (where event_type = 'email_clicked' and age < 90) as clicks_90d
    from recent_events
    group by all
),

final as (
    select
        m.customer_id,
        m.as_of,
        m.membership_name,
        m.frequency,
        m.billing_amount,
        m.is_fixed_term,
        m.is_owner,
        coalesce(m.people_on_membership, 1) as people_on_membership,
        m.as_of - h.first_started_on as tenure_days,
        m.as_of - m.current_started_on as plan_days,
        h.memberships_ended,
        h.frozen_now > 0 as is_frozen,
        coalesce(h.freezes_seen, 0) as freezes_seen,
        coalesce(v.visits_2w, 0) as visits_2w,
        coalesce(v.visits_prev_2w, 0) as visits_prev_2w,
        coalesce(v.visits_4w, 0) as visits_4w,
        coalesce(v.visits_prev_4w, 0) as visits_prev_4w,
        coalesce(v.visits_8w, 0) as visits_8w,
        coalesce(v.visits_prev_8w, 0) as visits_prev_8w,
        coalesce(v.visits_lookback, 0) as visits_lookback,
        coalesce(v.visits_base, 0) as visits_base,
        -- The days visits_base counts over: membership days older than 8 weeks, within the window.
        greatest(0, least($lookback_days::integer, m.as_of - h.first_started_on + 1) - 56) as base_days,
        -- Never seen in the window: as long ago as the window or the membership allows.
        coalesce(v.days_since_visit, least($lookback_days::integer, m.as_of - h.first_started_on)) as days_since_visit,
        coalesce(v.weekdays_8w, 0) as weekdays_8w,
        coalesce(o.purchases_90d, 0) as purchases_90d,
        coalesce(o.spend_90d, 0) as spend_90d,
        coalesce(o.classes_90d, 0) as classes_90d,
        coalesce(o.failed_payments_30d, 0) as failed_payments_30d,
        coalesce(o.failed_payments_lookback, 0) as failed_payments_lookback,
        o.days_since_failed_payment,
        o.days_since_renewal,
        coalesce(o.emails_90d, 0) as emails_90d,
        coalesce(o.offers_90d, 0) as offers_90d,
        coalesce(o.opens_90d, 0) as opens_90d,
        coalesce(o.clicks_90d, 0) as clicks_90d
    from members as m
    inner join history as h using (as_of, customer_id)
    left join visit_counts as v using (as_of, customer_id)
    left join other_counts as o using (as_of, customer_id)
)

select * from final
