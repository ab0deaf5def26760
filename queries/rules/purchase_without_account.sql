-- Purchase without account: bought a day pass in the last $lookback_days days (today included) but
-- had no Capitan account by $as_of (the session's time zone is the gym's, so `created_at::date` is
-- the local day), so the desk never got their waiver and profile.
with

purchases as (
    select customer_id, count(*) as purchase_count, max(event_local_date) as last_purchase_on
    from customer_events
    where event_type = 'day_pass_purchase'
      and customer_id is not null
      and event_local_date <= $as_of::date
      and event_local_date > $as_of::date - $lookback_days::integer
    group by customer_id
),

accounts as (
    select customer_id
    from capitan_accounts
    where created_at::date <= $as_of::date
),

customers as (
    select customer_id, email, concat_ws(' ', first_name, last_name) as name from customer_master
),

final as (
    select
        p.customer_id,
        p.last_purchase_on as flag_date,
        json_object(
            'purchase_count', p.purchase_count,
            'last_purchase_date', p.last_purchase_on,
            'email', c.email,
            'name', c.name,
            'description', 'Bought ' || p.purchase_count || ' day pass(es) without a Capitan account'
        ) as flag_details
    from purchases as p
    anti join accounts as a using (customer_id)
    left join customers as c using (customer_id)
)

select * from final
