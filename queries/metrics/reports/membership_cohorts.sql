-- Membership cohort retention, per person: a person's cohort is the month of their first-ever
-- membership start (2-week passes and team dues are not memberships). They are retained at Mk when
-- they are on a membership k months after that start (started_on <= day and not ended_on <= day),
-- whichever plan it is. Only complete months count: a cohort appears once its month has ended
-- before $as_of, and its Mk cell once every member of it has reached month k. `still_members` is
-- who is on a membership on the last complete day, $as_of - 1. The last 18 cohorts.
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

is_member as (
    select
        p.customer_id,
        p.cohort_month,
        k.months_after,
        p.cohort_month + to_months(k.months_after + 1) <= $as_of::date as observed,
        exists (
            select 1 from memberships as m
            where m.customer_id = p.customer_id
              and m.started_on <= p.first_started_on + to_months(k.months_after)
              and (m.ended_on is null or m.ended_on > p.first_started_on + to_months(k.months_after))
        ) as retained
    from complete_cohorts as p
    cross join range(1, 13) as k(months_after)
),

still as (
    select
        p.cohort_month,
        count(*) as cohort_size,
        count(*) filter (
            where exists (
                select 1 from memberships as m
                where m.customer_id = p.customer_id
                  and m.started_on <= $as_of::date - 1 and (m.ended_on is null or m.ended_on > $as_of::date - 1)
            )
        ) as still_members
    from complete_cohorts as p
    group by all
),

cells as (
    select cohort_month, months_after, count(*) filter (where retained) as retained
    from is_member
    where observed
    group by all
),

final as (
    select
        s.cohort_month,
        s.cohort_size,
        s.still_members,
        c.months_after,
        c.retained
    from still as s
    left join cells as c using (cohort_month)
)

select * from final
order by cohort_month, months_after
