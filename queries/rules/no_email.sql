-- No email: a customer active in the last $active_within_days days (today included) with no email
-- address on any record. When someone in their household has one (a parent for a child), the flag
-- says who, since that address reaches them too.
with

customers as (
    select customer_id, household_id, is_minor
    from customer_master
    where email is null
),

active as (
    select customer_id, max(event_local_date) as last_active_on
    from customer_events
    where event_local_date <= $as_of::date
      and event_local_date > $as_of::date - $active_within_days::integer
      and customer_id in (select customer_id from customers)
    group by customer_id
),

contacts as (
    select
        household_id,
        customer_id as contact_customer_id,
        email as contact_email,
        concat_ws(' ', first_name, last_name) as contact_name
    from customer_master
    where email is not null and household_id is not null
    qualify row_number() over (
        partition by household_id order by coalesce(is_minor, false), customer_id
    ) = 1
),

final as (
    select
        c.customer_id,
        a.last_active_on as flag_date,
        json_object(
            'last_active_date', a.last_active_on,
            'is_minor', c.is_minor,
            'has_household_contact', h.contact_email is not null,
            'household_contact_customer_id', h.contact_customer_id,
            'household_contact_name', h.contact_name,
            'household_contact_email', h.contact_email,
            'description', case
                when h.contact_email is not null then 'No email; reachable through ' || h.contact_name || ' in the household'
                else 'No email and no household contact'
            end
        ) as flag_details
    from customers as c
    inner join active as a using (customer_id)
    left join contacts as h using (household_id)
)

select * from final
