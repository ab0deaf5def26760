-- The weekly scorecard: one row per metric per complete Monday–Sunday week, the last 4 weeks before
-- $as_of (the first day whose data is not complete). Everything is counted per person except money
-- and check-ins. A member is someone on a membership (not a 2-week pass, not team dues) on that day:
-- started_on <= day and not ended_on <= day. Check-ins are judged at the check-in date.
with

weeks as (
    select (date_trunc('week', $as_of::date) - to_days(7 * k))::date as week_start
    from range(1, 5) as t(k)
),

memberships as (
    select customer_id, started_on, ended_on
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
    where event_type = 'checkin'
),

first_visits as (
    select customer_id, min(visit_date) as first_visit_on
    from checkins
    where customer_id is not null
    group by all
),

revenue as (
    select w.week_start, 'revenue:' || t.category as metric, sum(t.amount)::double as value
    from weeks as w
    join transactions as t on t.local_date between w.week_start and w.week_start + 6
    group by all
),

revenue_total as (
    select w.week_start, 'revenue_total' as metric, coalesce(sum(t.amount), 0)::double as value
    from weeks as w
    left join transactions as t on t.local_date between w.week_start and w.week_start + 6
    group by all
),

day_passes as (
    select w.week_start, 'day_passes' as metric, coalesce(sum(t.day_pass_count), 0)::double as value
    from weeks as w
    left join transactions as t on t.local_date between w.week_start and w.week_start + 6
    group by all
),

new_members as (
    select w.week_start, 'new_members' as metric, count(f.customer_id)::double as value
    from weeks as w
    left join first_memberships as f on f.first_started_on between w.week_start and w.week_start + 6
    group by all
),

-- A person leaves when a membership of theirs ends and no other membership covers that day.
leavers as (
    select distinct m.customer_id, m.ended_on
    from memberships as m
    where m.ended_on is not null
      and not exists (
          select 1 from memberships as o
          where o.customer_id = m.customer_id
            and o.started_on <= m.ended_on and (o.ended_on is null or o.ended_on > m.ended_on)
      )
),

attrition as (
    select w.week_start, 'attrition' as metric, count(distinct l.customer_id)::double as value
    from weeks as w
    left join leavers as l on l.ended_on between w.week_start and w.week_start + 6
    group by all
),

judged_checkins as (
    select
        w.week_start,
        exists (
            select 1 from memberships as m
            where m.customer_id = c.customer_id
              and m.started_on <= c.visit_date and (m.ended_on is null or m.ended_on > c.visit_date)
        ) as by_member
    from weeks as w
    join checkins as c on c.visit_date between w.week_start and w.week_start + 6
),

checkin_split as (
    select w.week_start, m.metric, count(j.week_start) filter (where j.by_member = m.by_member)::double as value
    from weeks as w
    cross join (values ('member_checkins', true), ('non_member_checkins', false)) as m(metric, by_member)
    left join judged_checkins as j on j.week_start = w.week_start
    group by all
),

new_visitors as (
    select w.week_start, 'new_visitors' as metric, count(f.customer_id)::double as value
    from weeks as w
    left join first_visits as f on f.first_visit_on between w.week_start and w.week_start + 6
    group by all
),

-- First-timers of the week 4 weeks earlier, and those of them back on another day within 28 days.
second_visits as (
    select
        w.week_start,
        count(f.customer_id)::double as first_timers,
        count(f.customer_id) filter (
            where exists (
                select 1 from checkins as c
                where c.customer_id = f.customer_id
                  and c.visit_date > f.first_visit_on and c.visit_date <= f.first_visit_on + 28
            )
        )::double as returned
    from weeks as w
    left join first_visits as f on f.first_visit_on between w.week_start - 28 and w.week_start - 22
    group by all
),

final as (
    select * from revenue
    union all select * from revenue_total
    union all select * from day_passes
    union all select * from new_members
    union all select * from attrition
    union all select * from checkin_split
    union all select * from new_visitors
    union all select week_start, 'second_visit_base', first_timers from second_visits
    union all select week_start, 'second_visitors', returned from second_visits
)

select week_start, metric, value from final
order by metric, week_start
