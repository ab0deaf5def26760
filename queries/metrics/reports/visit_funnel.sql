-- First visit → second visit → membership, per person, by the month of the first visit. A person's
-- first visit is their first check-in; a second visit is a check-in on a later day within
-- $window_days days; conversion is their first membership start (not a 2-week pass, not team dues)
-- within $window_days days of the first visit. People already members before their first visit are
-- left out. Only complete cohorts: the month has ended and so has every member's window, before $as_of;
-- the first month of history is left out too, as its "first" visits include everyone who came before it.
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

checkins as (
    select customer_id, event_local_date as visit_date
    from customer_events
    where event_type = 'checkin' and customer_id is not null
),

first_visits as (
    select customer_id, min(visit_date) as first_visit_on
    from checkins
    group by all
),

people as (
    select
        f.customer_id,
        date_trunc('month', f.first_visit_on)::date as cohort_month,
        exists (
            select 1 from checkins as c
            where c.customer_id = f.customer_id
              and c.visit_date > f.first_visit_on and c.visit_date <= f.first_visit_on + $window_days::integer
        ) as returned,
        m.first_started_on between f.first_visit_on and f.first_visit_on + $window_days::integer as converted
    from first_visits as f
    left join first_memberships as m using (customer_id)
    where m.first_started_on is null or m.first_started_on >= f.first_visit_on
),

final as (
    select
        cohort_month,
        count(*) as first_visitors,
        count(*) filter (where returned) as second_visitors,
        count(*) filter (where converted) as members,
        count(*) filter (where returned and converted) as returned_and_members
    from people
    where cohort_month + interval 1 month + to_days($window_days::integer) <= $as_of::date
      and cohort_month > (select date_trunc('month', min(visit_date)) from checkins)
    group by all
)

select * from final
order by cohort_month
