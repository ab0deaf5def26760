-- One row per check-in. `check_in_datetime` is the gym's wall-clock time, so its date is the local
-- date and $time_zone turns it into an instant. Pass details are parsed from the free-text
-- `entry_method_description`, the only place Capitan tells pass types apart:
--   own pass          Day Pass with Gear (Adult 14 and Up) (0 remaining)
--   transferred pass  <pass type> from <Purchaser Full Name> (<n> remaining)
--   guest pass        Guest Pass from <Member Name>
-- record_id: checkin_id
with

checkins as (
    select payload
    from raw_capitan__checkins
),

-- One parse per record: `->>` would parse the whole document again for every field.
unpacked as (
    select unnest(json_transform(payload, '{
        "id": "VARCHAR",
        "customer_id": "VARCHAR",
        "customer_first_name": "VARCHAR",
        "customer_last_name": "VARCHAR",
        "customer_email": "VARCHAR",
        "customer_birthday": "VARCHAR",
        "check_in_datetime": "VARCHAR",
        "entry_method": "VARCHAR",
        "entry_method_description": "VARCHAR",
        "location_id": "VARCHAR",
        "location_name": "VARCHAR",
        "free_entry_reason": "VARCHAR",
        "check_in_count": "VARCHAR",
        "created_at": "VARCHAR"
    }'))
    from checkins
),

renamed as (
    select
        id as checkin_id,
        customer_id,
        trim(customer_first_name) as first_name,
        trim(customer_last_name) as last_name,
        nullif(trim(customer_email), '') as email,
        customer_birthday as birthday_raw,
        check_in_datetime as checked_in_at_raw,
        entry_method,
        trim(entry_method_description) as entry_method_description,
        location_id,
        location_name,
        nullif(trim(free_entry_reason), '') as free_entry_reason,
        check_in_count::integer as lifetime_checkin_count,
        created_at as created_at_raw
    from unpacked
),

parsed as (
    select
        *,
        try_strptime(checked_in_at_raw, ['%Y-%m-%dT%H:%M:%S.%f', '%Y-%m-%dT%H:%M:%S', '%Y-%m-%d %H:%M:%S.%f', '%Y-%m-%d %H:%M:%S']) as checked_in_local,
        lower(coalesce(entry_method_description, '')) as description_text,
        regexp_extract(
            coalesce(entry_method_description, ''),
            '^(.+?) from (.+?)(?: \((\d+) remaining\))?$',
            ['pass_name', 'purchaser', 'remaining'],
            'i'
        ) as transfer,
        nullif(regexp_extract(coalesce(entry_method_description, ''), '\((\d+) remaining\)\s*$', 1), '')
            as remaining_text
    from renamed
),

-- One definition of a day pass everywhere (the original had three): an own or transferred day,
-- punch or entry pass; never a member's guest pass or a 2-week pass.
pass_types as (
    select
        *,
        contains(description_text, 'guest pass') as is_guest_pass,
        regexp_matches(description_text, '2[- ]week') as is_two_week_pass
    from parsed
),

passes as (
    select
        *,
        (contains(description_text, 'day pass')
            or contains(description_text, 'punch pass')
            or contains(description_text, 'entry pass'))
            and not is_guest_pass
            and not is_two_week_pass as is_day_pass,
        nullif(transfer.purchaser, '') as pass_purchaser_name
    from pass_types
),

final as (
    select
        checkin_id,
        customer_id,
        first_name,
        last_name,
        email,
        try_strptime(birthday_raw, '%Y-%m-%d')::date as birthday,
        birthday_raw,
        timezone($time_zone, checked_in_local) as checked_in_at,
        checked_in_at_raw,
        checked_in_local::date as checkin_local_date,
        entry_method,
        entry_method_description,
        location_id,
        location_name,
        free_entry_reason,
        free_entry_reason is not null as is_free_entry,
        lifetime_checkin_count,
        is_day_pass,
        is_guest_pass,
        is_two_week_pass,
        pass_purchaser_name is not null and not is_guest_pass as is_transferred_pass,
        pass_purchaser_name,
        remaining_text::integer as passes_remaining,
        timezone($time_zone, try_strptime(created_at_raw, ['%Y-%m-%dT%H:%M:%S.%f', '%Y-%m-%dT%H:%M:%S', '%Y-%m-%d %H:%M:%S.%f', '%Y-%m-%d %H:%M:%S']))
            as created_at,
        created_at_raw
    from passes
)

select * from final
