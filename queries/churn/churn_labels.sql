-- One row per member per as-of date T (each date of $as_of_dates) whose next $horizon_days days the
-- lake has seen in full (T + $horizon_days <= $as_of): churned when one of their memberships running
-- at T ended within (T, T + $horizon_days] with no other membership of theirs covering the day it
-- ended (cancelled, or lapsed without renewal; a switch of plan is not a churn). The label reads
-- after T by definition; features never read this query.
with

as_of_dates as (
    select distinct unnest(string_split($as_of_dates::varchar, ','))::date as as_of
),

memberships as (
    select customer_id, membership_id, started_on, ended_on
    from customer_memberships
    where is_membership
),

running as (
    select d.as_of, m.*
    from memberships as m, as_of_dates as d
    where m.started_on <= d.as_of and (m.ended_on is null or m.ended_on > d.as_of)
      and d.as_of + $horizon_days::integer <= $as_of::date
),

uncovered_ends as (
    select r.as_of, r.customer_id, r.ended_on
    from running as r
    where r.ended_on <= r.as_of + $horizon_days::integer
      and not exists (
          select 1 from memberships as o
          where o.customer_id = r.customer_id
            and o.membership_id <> r.membership_id
            and o.started_on <= r.ended_on
            and (o.ended_on is null or o.ended_on > r.ended_on)
      )
),

final as (
    select
        r.customer_id,
        r.as_of,
        bool_or(u.ended_on is not null) as churned,
        min(u.ended_on) as ended_on
    from running as r
    left join uncovered_ends as u using (as_of, customer_id)
    group by all
)

select * from final
