-- 2-week pass: started a 2-week pass in the last $within_days days (today included), the moment to
-- offer a membership, unless a regular membership has started since (they already converted).
with

passes as (
    select *
    from customer_memberships
    where regexp_matches(lower(membership_name), '2[- ]week|two[- ]week')
      and started_on <= $as_of::date
),

latest as (
    select
        customer_id,
        arg_max(membership_id, started_on) as membership_id,
        arg_max(membership_name, started_on) as membership_name,
        arg_max(billing_amount, started_on) as billing_amount,
        max(started_on) as started_on,
        count(*) as total_passes
    from passes
    group by customer_id
),

converted as (
    select l.customer_id
    from latest as l
    inner join customer_memberships as m using (customer_id)
    where m.started_on > l.started_on
      and m.started_on <= $as_of::date
      and not regexp_matches(lower(m.membership_name), '2[- ]week|two[- ]week')
),

final as (
    select
        l.customer_id,
        l.started_on as flag_date,
        json_object(
            'membership_start_date', l.started_on,
            'days_since_start', $as_of::date - l.started_on,
            'membership_name', l.membership_name,
            'membership_id', l.membership_id,
            'billing_amount', l.billing_amount,
            'total_2wk_memberships', l.total_passes,
            'description', 'Started a 2-week pass ' || ($as_of::date - l.started_on) || ' days ago'
        ) as flag_details
    from latest as l
    anti join converted as c using (customer_id)
    where $as_of::date - l.started_on < $within_days::integer
)

select * from final
