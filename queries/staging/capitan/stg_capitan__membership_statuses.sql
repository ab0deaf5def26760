-- One row per fetched version of a membership instance: its status and freeze end as Capitan showed
-- them then. Capitan shows only the current status, so this history is what tells when a freeze began.
-- versions: all
with

versions as (
    select fetched_at, payload
    from raw_capitan__customer_memberships
),

-- One parse per record: `->>` would parse the whole document again for every field.
unpacked as (
    select
        fetched_at,
        unnest(json_transform(payload, '{
            "id": "VARCHAR",
            "status": "VARCHAR",
            "membership_unfreeze_date": "VARCHAR"
        }'))
    from versions
),

final as (
    select
        id as membership_id,
        upper(status) as status,
        membership_unfreeze_date as frozen_until_date_raw,
        fetched_at
    from unpacked
)

select * from final
