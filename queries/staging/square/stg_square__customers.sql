-- One row per Square customer, identity fields as Square holds them (trimmed only). Square writes a
-- birthday without a year as 0000-MM-DD: that is no date (and no parse failure), so `birthday` and
-- `birthday_raw` stay null and `birthday_month_day` keeps it.
-- record_id: square_customer_id
with

source as (
    select payload
    from raw_square__customers
),

-- One parse per record: `->>` would parse the whole document again for every field.
unpacked as (
    select unnest(json_transform(payload, '{
        "id": "VARCHAR",
        "given_name": "VARCHAR",
        "family_name": "VARCHAR",
        "nickname": "VARCHAR",
        "company_name": "VARCHAR",
        "email_address": "VARCHAR",
        "phone_number": "VARCHAR",
        "birthday": "VARCHAR",
        "address": {
            "address_line_1": "VARCHAR",
            "address_line_2": "VARCHAR",
            "locality": "VARCHAR",
            "administrative_district_level_1": "VARCHAR",
            "postal_code": "VARCHAR",
            "country": "VARCHAR"
        },
        "reference_id": "VARCHAR",
        "creation_source": "VARCHAR",
        "created_at": "VARCHAR",
        "updated_at": "VARCHAR"
    }'))
    from source
),

renamed as (
    select
        id as square_customer_id,
        trim(given_name) as given_name,
        trim(family_name) as family_name,
        trim(nickname) as nickname,
        trim(company_name) as company_name,
        trim(email_address) as email,
        trim(phone_number) as phone,
        trim(birthday) as birthday_text,
        trim(address.address_line_1) as address_line1,
        trim(address.address_line_2) as address_line2,
        trim(address.locality) as city,
        trim(address.administrative_district_level_1) as state,
        trim(address.postal_code) as postal_code,
        trim(address.country) as country,
        reference_id,
        creation_source,
        try_strptime(created_at, ['%Y-%m-%dT%H:%M:%S.%fZ', '%Y-%m-%dT%H:%M:%SZ'])
            at time zone 'UTC' as created_at,
        created_at as created_at_raw,
        try_strptime(updated_at, ['%Y-%m-%dT%H:%M:%S.%fZ', '%Y-%m-%dT%H:%M:%SZ'])
            at time zone 'UTC' as updated_at,
        updated_at as updated_at_raw
    from unpacked
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
