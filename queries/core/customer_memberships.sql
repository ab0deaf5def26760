-- One row per customer per membership they are on, from the timeline's membership events: when it
-- started, when it ended (null while it runs) and its freezes. Rules read memberships at any date
-- from here: on it at D when started_on <= D and not (ended_on <= D); frozen at D when a freeze seen
-- by D lasts past D.
with

events as (
    select * from customer_events
    where customer_id is not null
      and event_type in ('membership_started', 'membership_cancelled', 'membership_frozen')
),

typed as (
    select
        customer_id,
        event_type,
        event_local_date,
        event_details->>'membership_id' as membership_id,
        event_details
    from events
),

starts as (
    select
        customer_id,
        membership_id,
        event_local_date as started_on,
        event_details->>'membership_name' as membership_name,
        (event_details->>'is_owner')::boolean as is_owner,
        (event_details->>'is_two_week_pass')::boolean as is_two_week_pass,
        (event_details->>'is_fixed_term')::boolean as is_fixed_term,
        (event_details->>'is_team_dues')::boolean as is_team_dues,
        event_details->>'frequency' as frequency,
        (event_details->>'billing_amount')::decimal(12, 2) as billing_amount
    from typed
    where event_type = 'membership_started'
),

ends as (
    select customer_id, membership_id, min(event_local_date) as ended_on
    from typed
    where event_type = 'membership_cancelled'
    group by all
),

freezes as (
    select
        customer_id,
        membership_id,
        list(
            {'frozen_on': event_local_date, 'frozen_until': (event_details->>'frozen_until_date')::date}
            order by event_local_date
        ) as freezes
    from typed
    where event_type = 'membership_frozen'
    group by all
),

final as (
    select
        s.customer_id,
        s.membership_id,
        s.membership_name,
        s.is_owner,
        s.started_on,
        e.ended_on,
        coalesce(f.freezes, []) as freezes,
        s.is_two_week_pass,
        s.is_fixed_term,
        s.is_team_dues,
        -- Capitan sells 2-week passes and team dues as memberships; the reports do not count them.
        not coalesce(s.is_two_week_pass, false) and not coalesce(s.is_team_dues, false) as is_membership,
        s.frequency,
        s.billing_amount
    from starts as s
    left join ends as e using (customer_id, membership_id)
    left join freezes as f using (customer_id, membership_id)
)

select * from final
