-- Ready for membership: bought a day pass in the last $window_days days (today included) and has
-- never been on a membership: no membership purchase, renewal or start, ever, up to $as_of.
with

day_passes as (
    select customer_id, count(*) as pass_count, max(event_local_date) as last_pass_on
    from customer_events
    where event_type = 'day_pass_purchase'
      and customer_id is not null
      and event_local_date <= $as_of::date
      and event_local_date > $as_of::date - $window_days::integer
    group by customer_id
),

members as (
    select distinct customer_id
    from customer_events
    where event_type in ('membership_purchase', 'membership_renewal', 'membership_started')
      and customer_id is not null
      and event_local_date <= $as_of::date
),

final as (
    select
        d.customer_id,
        d.last_pass_on as flag_date,
        json_object(
            'day_pass_count_last_14_days', d.pass_count,
            'most_recent_day_pass_date', d.last_pass_on,
            'days_since_last_pass', $as_of::date - d.last_pass_on,
            'description', 'Bought ' || d.pass_count || ' day pass(es) recently and has never been a member'
        ) as flag_details
    from day_passes as d
    anti join members as m using (customer_id)
)

select * from final
