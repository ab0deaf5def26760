-- One row per person on a membership instance (Capitan's `all_customers`). `membership_id` is the
-- instance, as in stg_capitan__memberships; the original's members table put the plan id there.
-- materialized: table
with

members as (
    select * from stg_capitan__membership_members
),

membership_details as (
    select * from stg_capitan__memberships
),

final as (
    select
        m.membership_id,
        d.membership_plan_id,
        m.member_id,
        m.customer_id,
        m.first_name,
        m.last_name,
        m.is_individually_frozen,
        m.customer_id = d.owner_id as is_owner,
        d.owner_id,
        d.membership_name,
        d.status,
        d.start_date,
        d.start_date_raw,
        d.end_date,
        d.end_date_raw,
        d.billing_interval,
        d.size,
        d.frequency,
        d.is_team_dues,
        d.is_two_week_pass
    from members as m
    inner join membership_details as d using (membership_id)
)

select * from final
