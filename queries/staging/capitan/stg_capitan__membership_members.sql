-- One row per person a membership instance lists (Capitan's `all_customers`), as Capitan lists them;
-- stg_capitan__members adds each membership's plan and status.
-- record_id: membership_id
with

memberships as (
    select payload
    from raw_capitan__customer_memberships
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

final as (
    select
        membership_id,
        member->>'id' as customer_id,
        member->>'member_id' as member_id,
        trim(member->>'first_name') as first_name,
        trim(member->>'last_name') as last_name,
        coalesce((member->>'is_individually_frozen')::boolean, false) as is_individually_frozen
    from members
)

select * from final
