-- One row per customer whose first visit was in the 7 days up to the run's day: the welcome series.
with

first_visits as (
    select customer_id, min(event_local_date) as first_visit_on, count(*) as visits
    from customer_events
    where event_type = 'checkin'
      and customer_id is not null
      and event_local_date <= $as_of::date
    group by customer_id
),

final as (
    select customer_id, null::varchar as experiment_id, null::varchar as ab_group, first_visit_on, visits
    from first_visits
    where first_visit_on > $as_of::date - 7
)

select * from final
