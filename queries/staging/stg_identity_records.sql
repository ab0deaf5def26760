-- One row per person-bearing source record: the input of identity resolution.
-- Every Capitan customer is here, kids without any contact details included. Identity fields are
-- passed as the source gave them (trimmed); the resolver normalises them. Record ids name the source
-- record: capitan:customer:<id>, stripe:customer:<id>, stripe:charge:<id>, square:customer:<id>,
-- mailchimp:member:<id>. `household_hint` carries the keys Capitan gives people of one household
-- (`family:<parent id>` from CHI/PRE relations, `siblings:<a>-<b>`, `membership:<id>` on every member
-- of a shared membership); `seen_at` is when the source first saw the record, or the payment's time.
with

capitan_customers as (
    select * from stg_capitan__customers
),

stripe_customers as (
    select * from stg_stripe__customers
),

stripe_payment_intents as (
    select * from stg_stripe__payment_intents
),

square_customers as (
    select * from stg_square__customers
),

mailchimp_members as (
    select * from stg_mailchimp__members
),

capitan_memberships as (
    select membership_id, owner_id from stg_capitan__memberships
),

capitan_members as (
    select distinct membership_id, customer_id from stg_capitan__members
),

capitan_relations as (
    select customer_id, related_customer_id, parent_customer_id from stg_capitan__relations
),

household_keys as (
    select customer_id, 'membership:' || membership_id as hint
    from capitan_members
    qualify count(*) over (partition by membership_id) >= 2
    union
    select
        unnest([customer_id, related_customer_id]) as customer_id,
        coalesce(
            'family:' || parent_customer_id,
            'siblings:' || least(customer_id, related_customer_id) || '-' || greatest(customer_id, related_customer_id)
        ) as hint
    from capitan_relations
),

household_hints as (
    select customer_id, string_agg(hint, '|' order by hint) as household_hint
    from household_keys
    group by customer_id
),

from_capitan as (
    select
        'capitan:customer:' || customer_id as record_id,
        'capitan' as source,
        first_name,
        last_name,
        nullif(trim(concat_ws(' ', first_name, last_name)), '') as full_name,
        email,
        phone,
        birthday_raw as birth_date,
        null::varchar as address,
        null::varchar as city,
        null::varchar as postal_code,
        customer_id as capitan_customer_id,
        null::varchar as stripe_customer_id,
        null::varchar as square_customer_id,
        null::varchar as membership_owner_id,
        preferred_name,
        h.household_hint,
        created_at as seen_at
    from capitan_customers
    left join household_hints as h using (customer_id)
),

from_stripe_customers as (
    select
        'stripe:customer:' || stripe_customer_id as record_id,
        'stripe' as source,
        null::varchar as first_name,
        null::varchar as last_name,
        name as full_name,
        email,
        phone,
        null::varchar as birth_date,
        nullif(concat_ws(' ', address_line1, address_line2), '') as address,
        city,
        postal_code,
        null::varchar as capitan_customer_id,
        stripe_customer_id,
        null::varchar as square_customer_id,
        null::varchar as membership_owner_id,
        null::varchar as preferred_name,
        null::varchar as household_hint,
        created_at as seen_at
    from stripe_customers
),

-- A charge's billing identity is the payer's, who may be a parent paying for a child; the
-- membership id in its description leads to the membership's owner, which the resolver weighs.
from_stripe_charges as (
    select
        'stripe:charge:' || p.latest_charge_id as record_id,
        'stripe' as source,
        null::varchar as first_name,
        null::varchar as last_name,
        p.billing_name as full_name,
        coalesce(p.billing_email, p.receipt_email) as email,
        p.billing_phone as phone,
        null::varchar as birth_date,
        p.billing_address_line1 as address,
        p.billing_city as city,
        p.billing_postal_code as postal_code,
        null::varchar as capitan_customer_id,
        p.stripe_customer_id,
        null::varchar as square_customer_id,
        m.owner_id as membership_owner_id,
        null::varchar as preferred_name,
        null::varchar as household_hint,
        p.created_at as seen_at
    from stripe_payment_intents as p
    left join capitan_memberships as m using (membership_id)
    where p.latest_charge_id is not null
),

from_square as (
    select
        'square:customer:' || square_customer_id as record_id,
        'square' as source,
        given_name as first_name,
        family_name as last_name,
        nullif(trim(concat_ws(' ', given_name, family_name)), '') as full_name,
        email,
        phone,
        birthday_raw as birth_date,
        nullif(concat_ws(' ', address_line1, address_line2), '') as address,
        city,
        postal_code,
        null::varchar as capitan_customer_id,
        null::varchar as stripe_customer_id,
        square_customer_id,
        null::varchar as membership_owner_id,
        null::varchar as preferred_name,
        null::varchar as household_hint,
        created_at as seen_at
    from square_customers
),

from_mailchimp as (
    select
        'mailchimp:member:' || member_id as record_id,
        'mailchimp' as source,
        first_name,
        last_name,
        nullif(trim(concat_ws(' ', first_name, last_name)), '') as full_name,
        coalesce(email, email_address) as email,
        phone,
        null::varchar as birth_date,
        null::varchar as address,
        null::varchar as city,
        null::varchar as postal_code,
        null::varchar as capitan_customer_id,
        null::varchar as stripe_customer_id,
        null::varchar as square_customer_id,
        null::varchar as membership_owner_id,
        null::varchar as preferred_name,
        null::varchar as household_hint,
        coalesce(signed_up_at, opted_in_at) as seen_at
    from mailchimp_members
),

final as (
    select * from from_capitan
    union all
    select * from from_stripe_customers
    union all
    select * from from_stripe_charges
    union all
    select * from from_square
    union all
    select * from from_mailchimp
)

select * from final
