-- One row per Square customer, identity fields as Square holds them (trimmed only). Square writes a
-- birthday without a year as 0000-MM-DD: that is no date (and no parse failure), so `birthday` and
-- `birthday_raw` stay null and `birthday_month_day` keeps it.
with

source as (
    select payload
    from raw_square__customers
    qualify row_number() over (partition by record_id order by fetched_at desc, run_id desc) = 1
),

renamed as (
    select
        payload->>'id' as square_customer_id,
        trim(payload->>'given_name') as given_name,
        trim(payload->>'family_name') as family_name,
        trim(payload->>'nickname') as nickname,
        trim(payload->>'company_name') as company_name,
        trim(payload->>'email_address') as email,
        trim(payload->>'phone_number') as phone,
        trim(payload->>'birthday') as birthday_text,
        trim(payload->'address'->>'address_line_1') as address_line1,
        trim(payload->'address'->>'address_line_2') as address_line2,
        trim(payload->'address'->>'locality') as city,
        trim(payload->'address'->>'administrative_district_level_1') as state,
        trim(payload->'address'->>'postal_code') as postal_code,
        trim(payload->'address'->>'country') as country,
        payload->>'reference_id' as reference_id,
        payload->>'creation_source' as creation_source,
        try_strptime(payload->>'created_at', ['%Y-%m-%dT%H:%M:%S.%fZ', '%Y-%m-%dT%H:%M:%SZ'])
            at time zone 'UTC' as created_at,
        payload->>'created_at' as created_at_raw,
        try_strptime(payload->>'updated_at', ['%Y-%m-%dT%H:%M:%S.%fZ', '%Y-%m-%dT%H:%M:%SZ'])
            at time zone 'UTC' as updated_at,
        payload->>'updated_at' as updated_at_raw
    from source
),

with_birthdays as (
    select
        *,
        case when birthday_text not like '0000-%' then birthday_text end as birthday_raw
    from renamed
),

final as (
    select
        square_customer_id,
        given_name,
        family_name,
        nickname,
        company_name,
        email,
        phone,
        try_strptime(birthday_raw, '%Y-%m-%d')::date as birthday,
        birthday_raw,
        nullif(regexp_extract(birthday_text, '^\d{4}-(\d{2}-\d{2})$', 1), '') as birthday_month_day,
        address_line1,
        address_line2,
        city,
        state,
        postal_code,
        country,
        reference_id,
        creation_source,
        created_at,
        created_at_raw,
        updated_at,
        updated_at_raw
    from with_birthdays
)

select * from final
