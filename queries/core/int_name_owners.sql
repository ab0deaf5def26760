-- materialized: view
-- Full names that belong to exactly one customer, normalised the same way as the names on events
-- (accents, case and punctuation dropped): the last, 'low' step of attaching an event. A name two
-- customers share attaches nothing, since guessing would put purchases on the wrong person.
with

customers as (
    select customer_id, first_name, last_name from customer_master
),

named as (
    select
        customer_id,
        nullif(trim(regexp_replace(
            regexp_replace(lower(strip_accents(concat_ws(' ', first_name, last_name))), '[^a-z ]', '', 'g'),
            ' +', ' ', 'g'
        )), '') as person_name
    from customers
),

final as (
    select person_name, any_value(customer_id) as customer_id
    from named
    where person_name is not null
    group by person_name
    having count(distinct customer_id) = 1
)

select * from final
