-- Day pass → 2-week pass → membership, per person, by the month of the first day-pass visit (a
-- check-in on a day pass). A 2-week pass counts when it starts within $window_days days of that first
-- day-pass visit; a membership (not a 2-week pass, not team dues) when it is the person's first and
-- starts within $window_days days of the 2-week pass. `direct_members` joined within $window_days
-- days of the first day-pass visit, with or without a 2-week pass. People already members before their
-- first day-pass visit are left out. Only complete cohorts: month and every window ended before $as_of,
-- and not the first month of history, whose "first" visits include everyone who came before it.
-- The funnel starts in the month the first 2-week pass was sold: before it there was none to take.
with

memberships as (
    select customer_id, started_on
    from customer_memberships
    where is_membership
),

first_memberships as (
    select customer_id, min(started_on) as first_started_on
    from memberships
    group by all
),

two_week_passes as (
    select customer_id, started_on
    from customer_memberships
    where is_two_week_pass
),

first_day_passes as (
    select customer_id, min(event_local_date) as first_pass_on
    from customer_events
    where event_type = 'checkin' and customer_id is not null
      and (event_details->>'is_day_pass')::boolean
    group by all
),

people as (
    select
        d.customer_id,
        date_trunc('month', d.first_pass_on)::date as cohort_month,
        (
            select min(t.started_on) from two_week_passes as t
            where t.customer_id = d.customer_id
              and t.started_on between d.first_pass_on and d.first_pass_on + $window_days::integer
        ) as pass_started_on,
        m.first_started_on,
        d.first_pass_on
    from first_day_passes as d
    left join first_memberships as m using (customer_id)
    where m.first_started_on is null or m.first_started_on >= d.first_pass_on
),

final as (
    select
        cohort_month,
        count(*) as day_pass_visitors,
        count(pass_started_on) as two_week_passes,
        count(*) filter (
            where first_started_on between pass_started_on and pass_started_on + $window_days::integer
        ) as pass_members,
        count(*) filter (
            where first_started_on between first_pass_on and first_pass_on + $window_days::integer
        ) as direct_members
    from people
    where cohort_month + interval 1 month + to_days(2 * $window_days::integer) <= $as_of::date
      and cohort_month > (select date_trunc('month', min(first_pass_on)) from first_day_passes)
      and cohort_month >= (select date_trunc('month', min(started_on)) from two_week_passes)
    group by all
)

select * from final
order by cohort_month
