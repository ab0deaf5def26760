-- One row per membership INSTANCE. Capitan's `id` is the instance (the `#N` in Stripe descriptions)
-- and its `membership_id` is the plan; they are `membership_id` and `membership_plan_id` here.
-- A membership without an end date (open-ended billing) is kept.
-- record_id: membership_id
with

memberships as (
    select payload, fetched_at
    from raw_capitan__customer_memberships
),

-- One parse per record: `->>` would parse the whole document again for every field.
unpacked as (
    select
        payload,
        fetched_at,
        unnest(json_transform(payload, '{
            "id": "VARCHAR",
            "membership_id": "VARCHAR",
            "name": "VARCHAR",
            "start_date": "VARCHAR",
            "end_date": "VARCHAR",
            "billing_amount": "VARCHAR",
            "interval": "VARCHAR",
            "status": "VARCHAR",
            "membership_unfreeze_date": "VARCHAR",
            "owner_id": "VARCHAR",
            "owner_birthday": "VARCHAR",
            "owner_email": "VARCHAR",
            "upcoming_bill_dates": ["VARCHAR"],
            "all_customers": "JSON",
            "created_at": "VARCHAR"
        }'))
    from memberships
),

renamed as (
    select
        id as membership_id,
        membership_id as membership_plan_id,
        trim(name) as membership_name,
        start_date as start_date_raw,
        end_date as end_date_raw,
        billing_amount::decimal(12, 2) as billing_amount,
        upper("interval") as billing_interval,
        upper(status) as status,
        membership_unfreeze_date as frozen_until_date_raw,
        owner_id,
        owner_birthday as owner_birthday_raw,
        nullif(trim(owner_email), '') as owner_email,
        -- `$.upcoming_bill_dates[*]` made a missing or non-list value an empty list.
        coalesce(upcoming_bill_dates, []) as upcoming_bill_dates_raw,
        -- The transform makes a JSON null list SQL null, which counted 0 before: only then is it read again.
        coalesce(json_array_length(all_customers), json_array_length(payload->'all_customers'))::integer
            as member_count,
        created_at as created_at_raw,
        -- "Still frozen" is judged on the day the record was read, so a rebuild never changes it.
        timezone($time_zone, fetched_at)::date as observed_local_date,
        lower(coalesce(name, '')) as plan_text
    from unpacked
),

-- Capitan's plan vocabulary (reference §1.4): lower-cased substring tests on the plan name.
keyword_features as (
    select
        *,
        contains(plan_text, 'founder') as is_founder,
        contains(plan_text, 'college') as is_college,
        contains(plan_text, 'corporate') or contains(plan_text, 'tfnb') or contains(plan_text, 'founders business')
            as is_corporate,
        contains(plan_text, 'mid-day') or contains(plan_text, 'mid day') as is_mid_day,
        contains(plan_text, 'fitness only') or contains(plan_text, 'fitness-only') as is_fitness_only,
        contains(plan_text, 'team dues') or contains(plan_text, 'team-dues') as is_team_dues,
        contains(plan_text, 'bcf') or contains(plan_text, 'staff') as is_bcf,
        contains(plan_text, '90 for 90') as is_90_for_90,
        contains(plan_text, '2-week') or contains(plan_text, '2 week') as is_two_week_pass
    from renamed
),

features as (
    select
        *,
        contains(plan_text, 'fitness') and not is_fitness_only as has_fitness_addon,
        case
            when contains(plan_text, 'family') then 'family'
            when contains(plan_text, 'duo') then 'duo'
            when is_corporate then 'corporate'
            else 'solo'
        end as size,
        -- First match wins, as in the original.
        case
            when contains(plan_text, '3 month') or contains(plan_text, '3-month') or is_90_for_90 then 'prepaid_3mo'
            when contains(plan_text, '6 month') or contains(plan_text, '6-month') then 'prepaid_6mo'
            when contains(plan_text, '12 month') or contains(plan_text, '12-month') then 'prepaid_12mo'
            when is_mid_day or is_bcf then 'bi_weekly'
            when billing_interval = 'BWK' then 'bi_weekly'
            when billing_interval = 'MON' then 'monthly'
            when billing_interval in ('YRL', 'YEA') then 'annual'
            when billing_interval = '3MO' then 'prepaid_3mo'
            when billing_interval = '6MO' then 'prepaid_6mo'
            when billing_interval = '12MO' then 'prepaid_12mo'
            else 'unknown'
        end as frequency
    from keyword_features
),

parsed as (
    select
        *,
        try_strptime(start_date_raw, '%Y-%m-%d')::date as start_date,
        try_strptime(end_date_raw, '%Y-%m-%d')::date as end_date,
        try_strptime(frozen_until_date_raw, '%Y-%m-%d')::date as frozen_until_date,
        try_strptime(owner_birthday_raw, '%Y-%m-%d')::date as owner_birthday,
        list_transform(upcoming_bill_dates_raw, d -> try_strptime(d, '%Y-%m-%d')::date) as upcoming_bill_dates,
        timezone($time_zone, try_strptime(created_at_raw, ['%Y-%m-%dT%H:%M:%S.%f', '%Y-%m-%dT%H:%M:%S', '%Y-%m-%d %H:%M:%S.%f', '%Y-%m-%d %H:%M:%S']))
            as created_at
    from features
),

final as (
    select
        membership_id,
        membership_plan_id,
        membership_name,
        status,
        status = 'FRZ' as is_frozen,
        start_date,
        start_date_raw,
        end_date,
        end_date_raw,
        frozen_until_date,
        frozen_until_date_raw,
        billing_amount,
        (billing_amount * 100)::bigint as billing_amount_cents,
        billing_interval,
        case
            when status = 'FRZ' or frozen_until_date > observed_local_date then 0::decimal(12, 2)
            else billing_amount
        end as projected_amount,
        upcoming_bill_dates,
        upcoming_bill_dates_raw,
        owner_id,
        owner_email,
        owner_birthday,
        owner_birthday_raw,
        member_count,
        created_at,
        created_at_raw,
        is_founder,
        is_college,
        is_corporate,
        is_mid_day,
        is_fitness_only,
        has_fitness_addon,
        is_team_dues,
        is_bcf,
        is_90_for_90,
        is_two_week_pass,
        size,
        frequency
    from parsed
)

select * from final
