-- One row per person on a membership instance (Capitan's `all_customers`). `membership_id` is the
-- instance, as in stg_capitan__memberships; the original's members table put the plan id there.
with

memberships as (
    select payload
    from raw_capitan__customer_memberships
    qualify row_number() over (partition by record_id order by fetched_at desc, run_id desc, payload_hash) = 1
),

membership_details as (
    select * from stg_capitan__memberships
),

-- One parse per record: `->>` would parse the whole document again for every field.
unpacked as (
    select unnest(json_transform(payload, '{
        "id": "VARCHAR",
        "all_customers": "JSON"
    }'))
    from memberships
),

-- The cast keeps failing loudly on a list that is not one; each member is only a small object.
members as (
    select
        id as membership_id,
        unnest(cast(all_customers as json[])) as member
    from unpacked
),

renamed as (
    select
        membership_id,
        member->>'id' as customer_id,
        member->>'member_id' as member_id,
        trim(member->>'first_name') as first_name,
        trim(member->>'last_name') as last_name,
        coalesce((member->>'is_individually_frozen')::boolean, false) as is_individually_frozen
    from members
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
    from renamed as m
    inner join membership_details as d using (membership_id)
)

select * from final
