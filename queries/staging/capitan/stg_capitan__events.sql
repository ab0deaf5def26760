-- One row per Capitan event (classes, parties, comps), timed by its first part as the original did.
-- record_id: event_id
with

events as (
    select payload
    from raw_capitan__events
),

-- One parse per record: `->>` would parse the whole document again for every field.
unpacked as (
    select
        payload,
        unnest(json_transform(payload, '{
            "id": "VARCHAR",
            "event_type_id": "VARCHAR",
            "event_type_name": "VARCHAR",
            "capacity": "VARCHAR",
            "num_reservations": "VARCHAR",
            "is_cancelled": "VARCHAR",
            "location_id": "VARCHAR",
            "location_name": "VARCHAR",
            "event_parts": "JSON",
            "created_at": "VARCHAR",
            "updated_at": "VARCHAR"
        }'))
    from events
),

renamed as (
    select
        id as event_id,
        event_type_id,
        trim(event_type_name) as event_type_name,
        capacity::integer as capacity,
        num_reservations::integer as num_reservations,
        is_cancelled::boolean as is_cancelled,
        location_id,
        location_name,
        -- The transform makes a JSON null list SQL null, which counted 0 before: only then is it read again.
        coalesce(json_array_length(event_parts), json_array_length(payload->'event_parts'))::integer
            as event_part_count,
        event_parts->0->>'start_datetime_isoformat' as starts_at_raw,
        event_parts->0->>'end_datetime_isoformat' as ends_at_raw,
        event_parts->0->>'start_local_date' as start_local_date_raw,
        event_parts->0->>'end_local_date' as end_local_date_raw,
        created_at as created_at_raw,
        updated_at as updated_at_raw
    from unpacked
),

final as (
    select
        event_id,
        event_type_id,
        event_type_name,
        capacity,
        num_reservations,
        is_cancelled,
        location_id,
        location_name,
        event_part_count,
        -- Python isoformat with the gym's offset, e.g. 2024-10-05T10:00:00-05:00.
        try_strptime(starts_at_raw, ['%Y-%m-%dT%H:%M:%S%z', '%Y-%m-%dT%H:%M:%S.%f%z']) as starts_at,
        starts_at_raw,
        try_strptime(ends_at_raw, ['%Y-%m-%dT%H:%M:%S%z', '%Y-%m-%dT%H:%M:%S.%f%z']) as ends_at,
        ends_at_raw,
        try_strptime(start_local_date_raw, '%Y-%m-%d')::date as start_local_date,
        start_local_date_raw,
        try_strptime(end_local_date_raw, '%Y-%m-%d')::date as end_local_date,
        end_local_date_raw,
        timezone($time_zone, try_strptime(created_at_raw, ['%Y-%m-%dT%H:%M:%S.%f', '%Y-%m-%dT%H:%M:%S', '%Y-%m-%d %H:%M:%S.%f', '%Y-%m-%d %H:%M:%S']))
            as created_at,
        created_at_raw,
        timezone($time_zone, try_strptime(updated_at_raw, ['%Y-%m-%dT%H:%M:%S.%f', '%Y-%m-%dT%H:%M:%S', '%Y-%m-%d %H:%M:%S.%f', '%Y-%m-%d %H:%M:%S']))
            as updated_at,
        updated_at_raw
    from renamed
)

select * from final
