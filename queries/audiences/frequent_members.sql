-- One row per member with 10 or more visits in the 30 days up to the run's day (a segment, with traits).
with

members as (
    select distinct customer_id
    from customer_memberships
    where started_on <= $as_of::date
      and (ended_on is null or ended_on > $as_of::date)
),

visits as (
    select customer_id, count(*) as visits_30d, max(event_local_date) as last_visit_on
    from customer_events
    where event_type = 'checkin'
      and event_local_date > $as_of::date - 30
      and event_local_date <= $as_of::date
    group by customer_id
),

final as (
    select v.customer_id, null::varchar as experiment_id, null::varchar as ab_group, v.visits_30d, v.last_visit_on
    from visits as v
    semi join members as m using (customer_id)
    where v.visits_30d >= 10
)

select * from final
