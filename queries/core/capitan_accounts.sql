-- One row per Capitan account, with the customer it belongs to and when it was created (a gym-local
-- instant). A customer with none never got their waiver and profile at the desk.
with

identifiers as (
    select customer_id, identifier_value as capitan_customer_id
    from customer_identifiers
    where identifier_type = 'capitan_customer_id'
),

capitan_customers as (
    select customer_id as capitan_customer_id, created_at
    from stg_capitan__customers
),

final as (
    select
        i.customer_id,
        i.capitan_customer_id,
        c.created_at
    from identifiers as i
    inner join capitan_customers as c using (capitan_customer_id)
)

select * from final
