-- Active membership: on at least one running, unfrozen membership at $as_of. A standing flag that
-- downstream tools read as "is a member"; it clears the day the last membership ends or freezes.
with

running as (
    select *
    from customer_memberships
    where started_on <= $as_of::date
      and (ended_on is null or ended_on > $as_of::date)
      and len(list_filter(freezes, lambda f: f.frozen_on <= $as_of::date and f.frozen_until > $as_of::date)) = 0
),

final as (
    select
        customer_id,
        min(started_on) as flag_date,
        json_object(
            'membership_count', count(*),
            'membership_names', list(membership_name order by started_on),
            'is_owner', bool_or(is_owner),
            'description', 'Member since ' || min(started_on)
        ) as flag_details
    from running
    group by customer_id
)

select * from final
