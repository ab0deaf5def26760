-- Source rows that would be events but have no usable date: kept out of the timeline (a null date
-- would sort anywhere and slip past every window) and listed here with the reason.
with

sources as (
    select * from int_event_sources
    where event_at is null
),

final as (
    select
        event_source,
        source_record_id,
        event_type,
        case
            when date_raw is null then date_field || ' is missing'
            else date_field || ' does not parse: ' || date_raw
        end as reason,
        date_raw,
        event_details
    from sources
)

select * from final
