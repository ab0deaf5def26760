-- One row per experiment audience and arm (group A, group B, the holdout): the customers who entered
-- it up to $as_of (their first entry in state/audience_history; the holdout receives nothing), how many
-- bought in the $window_days days after entering (a day pass or a membership, 2-week passes included,
-- as its owner), and the lift against the holdout: (conversion_rate − holdout_rate) × 100, in
-- percentage points. A window still open at $as_of counts what it holds so far.
with

entries as (
    select
        audience,
        customer_id,
        arg_min(case when holdout then 'holdout' else ab_group end, changed_at) as arm,
        min(changed_on) as entered_on
    from audience_history
    where change = 'entered' and ab_group is not null and changed_on <= $as_of::date
    group by all
),

purchases as (
    select distinct customer_id, event_local_date as bought_on
    from customer_events
    where customer_id is not null
      and event_local_date <= $as_of::date
      and (
          event_type in ('membership_purchase', 'day_pass_purchase')
          or (event_type = 'membership_started' and (event_details ->> 'is_owner')::boolean)
      )
),

outcomes as (
    select
        e.audience,
        e.arm,
        e.customer_id,
        count(p.bought_on) > 0 as converted
    from entries as e
    left join purchases as p
        on p.customer_id = e.customer_id
        and p.bought_on > e.entered_on
        and p.bought_on <= e.entered_on + $window_days::integer
    group by all
),

arms as (
    select
        audience,
        arm,
        count(*) as entrants,
        count(*) filter (where converted) as converted,
        count(*) filter (where converted) / count(*) as conversion_rate
    from outcomes
    group by all
),

final as (
    select
        a.audience,
        a.arm,
        a.entrants,
        a.converted,
        a.conversion_rate,
        h.conversion_rate as holdout_rate,
        round((a.conversion_rate - h.conversion_rate) * 100, 2) as lift_points
    from arms as a
    left join arms as h on h.audience = a.audience and h.arm = 'holdout'
)

select * from final order by audience, arm
