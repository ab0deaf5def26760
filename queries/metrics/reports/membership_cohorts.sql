-- Membership cohort retention, per person, overall and by segment: a person's cohort is the month of
-- their first-ever membership start (2-week passes and team dues are not memberships). They are
-- retained at Mk when they are on a membership k months after that start (started_on <= day and not
-- ended_on <= day), whichever plan it is. Only complete months count: a cohort appears once its month
-- has ended before $as_of, and its Mk cell once every member of it has reached month k.
-- `still_members` is who is on a membership on the last complete day, $as_of - 1. The last 18 cohorts.
--
-- Segments: `first_product` is what the person first had of a day pass (a check-in on one), a class
-- (a class or fitness-class purchase), a 2-week pass, or the membership itself, up to the day of
-- their first membership (on one day, in that order); `used_promo` is 'yes' when a purchase of
-- theirs carried a promo code by that day. Every row is one cohort in one segment; 'all' is the
-- segment's value when it is not split, so first_product = 'all' and used_promo = 'all' is the whole
-- cohort.
with

memberships as (
    select customer_id, started_on, ended_on
    from customer_memberships
    where is_membership
),

people as (
    select customer_id, min(started_on) as first_started_on, date_trunc('month', min(started_on))::date as cohort_month
    from memberships
    group by all
),

complete_cohorts as (
    select * from people
    where cohort_month + interval 1 month <= $as_of::date
      and cohort_month in (
          select distinct cohort_month from people
          where cohort_month + interval 1 month <= $as_of::date
          order by cohort_month desc
          limit 18
      )
),

-- The cohort members' check-ins and purchases up to the day they joined: few rows, so their JSON
-- details are read for these only.
before_joining as materialized (
    select p.customer_id, e.event_local_date as on_date, e.event_type, e.event_details
    from complete_cohorts as p
    join customer_events as e on e.customer_id = p.customer_id and e.event_local_date <= p.first_started_on
    where e.event_type in (
        'checkin', 'day_pass_purchase', 'membership_purchase', 'membership_renewal', 'retail_purchase',
        'programming_purchase', 'event_booking', 'other_purchase'
    )
),

products as (
    select customer_id, on_date, 1 as same_day_order, 'day_pass' as product
    from before_joining
    where event_type = 'checkin' and (event_details->>'is_day_pass')::boolean
    union all
    select customer_id, on_date, 2, 'class'
    from before_joining
    where event_type = 'programming_purchase' and (event_details->>'sub_category') in ('classes', 'fitness')
    union all
    select customer_id, started_on, 3, 'two_week_pass'
    from customer_memberships
    where is_two_week_pass
),

first_products as (
    select p.customer_id, arg_min(x.product, (x.on_date, x.same_day_order)) as first_product
    from complete_cohorts as p
    join products as x on x.customer_id = p.customer_id and x.on_date <= p.first_started_on
    group by all
),

promo_users as (
    select distinct customer_id
    from before_joining
    where event_type <> 'checkin' and (event_details->>'promo_code') is not null
),

segmented as (
    select
        p.*,
        coalesce(f.first_product, 'membership') as first_product,
        if(u.customer_id is null, 'no', 'yes') as used_promo,
        exists (
            select 1 from memberships as m
            where m.customer_id = p.customer_id
              and m.started_on <= $as_of::date - 1 and (m.ended_on is null or m.ended_on > $as_of::date - 1)
        ) as still_member
    from complete_cohorts as p
    left join first_products as f using (customer_id)
    left join promo_users as u using (customer_id)
),

is_member as (
    select
        p.cohort_month,
        p.first_product,
        p.used_promo,
        k.months_after,
        exists (
            select 1 from memberships as m
            where m.customer_id = p.customer_id
              and m.started_on <= p.first_started_on + to_months(k.months_after)
              and (m.ended_on is null or m.ended_on > p.first_started_on + to_months(k.months_after))
        ) as retained
    from segmented as p
    cross join range(1, 13) as k(months_after)
    where p.cohort_month + to_months(k.months_after + 1) <= $as_of::date
),

sizes as (
    select
        cohort_month,
        coalesce(first_product, 'all') as first_product,
        coalesce(used_promo, 'all') as used_promo,
        count(*) as cohort_size,
        count(*) filter (where still_member) as still_members
    from segmented
    group by grouping sets (
        (cohort_month), (cohort_month, first_product), (cohort_month, used_promo),
        (cohort_month, first_product, used_promo)
    )
),

cells as (
    select
        cohort_month,
        coalesce(first_product, 'all') as first_product,
        coalesce(used_promo, 'all') as used_promo,
        months_after,
        count(*) filter (where retained) as retained
    from is_member
    group by grouping sets (
        (cohort_month, months_after), (cohort_month, months_after, first_product),
        (cohort_month, months_after, used_promo), (cohort_month, months_after, first_product, used_promo)
    )
),

final as (
    select
        s.first_product,
        s.used_promo,
        s.cohort_month,
        s.cohort_size,
        s.still_members,
        c.months_after,
        c.retained
    from sizes as s
    left join cells as c using (cohort_month, first_product, used_promo)
)

select * from final
order by first_product, used_promo, cohort_month, months_after
