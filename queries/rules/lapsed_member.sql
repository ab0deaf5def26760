-- Lapsed member: on a running, unfrozen membership at $as_of, with no visit for $lapse_days days or
-- more. A new member's clock starts at their membership's start, not at their first visit.
-- flag_date is the day they became lapsed: the last visit (or the start) plus $lapse_days.
with

running as (
    select customer_id, membership_id, membership_name, started_on
    from customer_memberships
    where started_on <= $as_of::date
      and (ended_on is null or ended_on > $as_of::date)
      and len(list_filter(freezes, lambda f: f.frozen_on <= $as_of::date and f.frozen_until > $as_of::date)) = 0
),

members as (
    select
        customer_id,
        max(started_on) as started_on,
        arg_max(membership_name, started_on) as membership_name
    from running
    group by customer_id
),

visits as (
    select customer_id, max(event_local_date) as last_visit_on
    from customer_events
    where event_type = 'checkin'
      and event_local_date <= $as_of::date
      and customer_id in (select customer_id from members)
    group by customer_id
),

activity as (
    select
        m.customer_id,
        m.membership_name,
        v.last_visit_on,
        greatest(m.started_on, v.last_visit_on) as active_on
    from members as m
    left join visits as v using (customer_id)
),

final as (
    select
        customer_id,
        (active_on + $lapse_days::integer)::date as flag_date,
        json_object(
            'last_visit_date', last_visit_on,
            'days_since_visit', $as_of::date - active_on,
            'membership_name', membership_name,
            'description', 'Active member with no visit in ' || ($as_of::date - active_on) || ' days'
        ) as flag_details
    from activity
    where $as_of::date - active_on >= $lapse_days::integer
)

select * from final
