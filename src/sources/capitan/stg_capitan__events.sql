-- One row per Capitan event (classes, parties, comps), timed by its first part as the original did.
with

events as (
    select payload
    from raw_capitan__events
    qualify row_number() over (partition by record_id order by fetched_at desc, run_id desc) = 1
),

renamed as (
    select
        payload->>'id' as event_id,
        payload->>'event_type_id' as event_type_id,
        trim(payload->>'event_type_name') as event_type_name,
        (payload->>'capacity')::integer as capacity,
        (payload->>'num_reservations')::integer as num_reservations,
        (payload->>'is_cancelled')::boolean as is_cancelled,
        payload->>'location_id' as location_id,
        payload->>'location_name' as location_name,
        json_array_length(payload->'event_parts')::integer as event_part_count,
        payload->'event_parts'->0->>'start_datetime_isoformat' as starts_at_raw,
        payload->'event_parts'->0->>'end_datetime_isoformat' as ends_at_raw,
        payload->'event_parts'->0->>'start_local_date' as start_local_date_raw,
        payload->'event_parts'->0->>'end_local_date' as end_local_date_raw,
        payload->>'created_at' as created_at_raw,
        payload->>'updated_at' as updated_at_raw
    from events
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
        timezone($time_zone, try_strptime(created_at_raw, ['%Y-%m-%d %H:%M:%S.%f', '%Y-%m-%d %H:%M:%S']))
            as created_at,
        created_at_raw,
        timezone($time_zone, try_strptime(updated_at_raw, ['%Y-%m-%d %H:%M:%S.%f', '%Y-%m-%d %H:%M:%S']))
            as updated_at,
        updated_at_raw
    from renamed
)

select * from final
