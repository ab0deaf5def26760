-- First-time day pass: their latest day-pass check-in was in the last $recent_days days (today
-- included), and they had no other day-pass check-in in the $break_days days before it: a first
-- visit, or a return after a long break. Not for anyone on a running membership at $as_of.
with

checkins as (
    select distinct customer_id, event_local_date as visited_on
    from customer_events
    where event_type = 'checkin'
      and customer_id is not null
      and (event_details->>'is_day_pass')::boolean
      and event_local_date <= $as_of::date
),

ranked as (
    select
        customer_id,
        visited_on,
        lead(visited_on) over (partition by customer_id order by visited_on desc) as previous_on,
        row_number() over (partition by customer_id order by visited_on desc) as recency,
        count(*) over (partition by customer_id) as total_checkins
    from checkins
),

members as (
    select distinct customer_id
    from customer_memberships
    where started_on <= $as_of::date and (ended_on is null or ended_on > $as_of::date)
),

final as (
    select
        r.customer_id,
        r.visited_on as flag_date,
        json_object(
            'most_recent_checkin_date', r.visited_on,
            'days_since_checkin', $as_of::date - r.visited_on,
            'total_day_pass_checkins', r.total_checkins,
            'days_since_previous_checkin', r.visited_on - r.previous_on,
            'returning_after_break', r.previous_on is not null,
            'description', case
                when r.previous_on is null then 'First day-pass visit'
                else 'Back on a day pass after ' || (r.visited_on - r.previous_on) || ' days'
            end
        ) as flag_details
    from ranked as r
    anti join members as m using (customer_id)
    where r.recency = 1
      and $as_of::date - r.visited_on < $recent_days::integer
      and (r.previous_on is null or r.visited_on - r.previous_on >= $break_days::integer)
)

select * from final
