-- Win-back: an adult (or the owner) whose membership ended in the last $recent_days days (today
-- included) and who is on no membership now: nothing started since (a switch of plan is not a
-- loss) and nothing else still running. Fixed-term passes (2-week, 90 for 90, prepaid) run out rather
-- than get cancelled, so their end counts only with $include_fixed_term.
with

memberships as (
    select *
    from customer_memberships
    where started_on <= $as_of::date
),

cancellations as (
    select
        customer_id,
        max(ended_on) as cancelled_on,
        arg_max(membership_name, ended_on) as membership_name,
        arg_max(membership_id, ended_on) as membership_id,
        count(*) as total_cancellations
    from memberships
    where ended_on <= $as_of::date
      and ($include_fixed_term or not coalesce(is_fixed_term, false))
    group by customer_id
),

still_members as (
    select c.customer_id
    from cancellations as c
    inner join memberships as m using (customer_id)
    where m.started_on >= c.cancelled_on or m.ended_on is null or m.ended_on > $as_of::date
),

adults as (
    select customer_id from customer_master where not coalesce(is_minor, false)
),

owners as (
    select distinct customer_id from memberships where is_owner
),

final as (
    select
        c.customer_id,
        c.cancelled_on as flag_date,
        json_object(
            'cancellation_date', c.cancelled_on,
            'days_since_cancellation', $as_of::date - c.cancelled_on,
            'cancelled_membership_name', c.membership_name,
            'cancelled_membership_id', c.membership_id,
            'total_cancellations', c.total_cancellations,
            'description', c.membership_name || ' ended ' || ($as_of::date - c.cancelled_on) || ' days ago'
        ) as flag_details
    from cancellations as c
    anti join still_members as s using (customer_id)
    where $as_of::date - c.cancelled_on < $recent_days::integer
      and (c.customer_id in (select customer_id from adults) or c.customer_id in (select customer_id from owners))
)

select * from final
