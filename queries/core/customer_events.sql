-- The customer timeline: one row per dated event, attached to a customer by the strongest key it
-- carries. Source ids come first (its Capitan customer; the owner of the membership a payment names;
-- its Stripe or Square customer; the payment's or subscriber's own resolved record), then its email,
-- then its name. Its confidence is the weakest step of the chain that found the customer: the
-- resolver's grade of the record holding the key, at most 'medium' for an address several customers
-- share, 'low' for a name. An event no key attaches stays, with no customer and 'unmatched'. Rows
-- without a date are in rejected_events instead. `event_id` hashes the source record and event type,
-- so a rebuild gives every event the id it had.
with

sources as (
    select * from int_event_sources
    where event_at is not null
),

records as (
    select record_id, customer_id, confidence_rank from int_record_confidence
),

membership_owners as (
    select membership_id, owner_id from stg_capitan__memberships
),

emails as (
    select * from int_email_owners
),

names as (
    select * from int_name_owners
),

-- Normalised exactly as int_name_owners normalises customers' names.
keyed as (
    select
        *,
        lower(trim(email)) as email_key,
        nullif(trim(regexp_replace(
            regexp_replace(lower(strip_accents(person_name)), '[^a-z ]', '', 'g'),
            ' +', ' ', 'g'
        )), '') as name_key
    from sources
),

candidates as (
    select
        k.*,
        cap.customer_id as capitan_customer,
        cap.confidence_rank as capitan_rank,
        own.customer_id as owner_customer,
        own.confidence_rank as owner_rank,
        sc.customer_id as stripe_customer,
        sc.confidence_rank as stripe_rank,
        sq.customer_id as square_customer,
        sq.confidence_rank as square_rank,
        pay.customer_id as payment_customer,
        pay.confidence_rank as payment_rank,
        mc.customer_id as subscriber_customer,
        mc.confidence_rank as subscriber_rank,
        em.customer_id as email_customer,
        em.confidence_rank as email_rank,
        nm.customer_id as name_customer
    from keyed as k
    left join records as cap on cap.record_id = 'capitan:customer:' || k.capitan_customer_id
    left join membership_owners as mo on mo.membership_id = k.membership_id
    left join records as own on own.record_id = 'capitan:customer:' || mo.owner_id
    left join records as sc on sc.record_id = 'stripe:customer:' || k.stripe_customer_id
    left join records as sq on sq.record_id = 'square:customer:' || k.square_customer_id
    left join records as pay on pay.record_id = k.payment_record_id
    left join records as mc on mc.record_id = k.mailchimp_record_id
    left join emails as em on em.email = k.email_key
    left join names as nm on nm.person_name = k.name_key
),

attached as (
    select
        *,
        case
            when capitan_customer is not null then 'capitan_customer_id'
            when owner_customer is not null then 'membership_owner'
            when stripe_customer is not null then 'stripe_customer_id'
            when square_customer is not null then 'square_customer_id'
            when payment_customer is not null then 'payment_record'
            when subscriber_customer is not null then 'mailchimp_member'
            when email_customer is not null then 'email'
            when name_customer is not null then 'name'
        end as match_step
    from candidates
),

final as (
    select
        md5(event_source || ':' || source_record_id || ':' || event_type) as event_id,
        case match_step
            when 'capitan_customer_id' then capitan_customer
            when 'membership_owner' then owner_customer
            when 'stripe_customer_id' then stripe_customer
            when 'square_customer_id' then square_customer
            when 'payment_record' then payment_customer
            when 'mailchimp_member' then subscriber_customer
            when 'email' then email_customer
            when 'name' then name_customer
        end as customer_id,
        event_at as event_date,
        timezone($time_zone, event_at)::date as event_local_date,
        event_type,
        event_source,
        case match_step
            when 'capitan_customer_id' then capitan_rank
            when 'membership_owner' then owner_rank
            when 'stripe_customer_id' then stripe_rank
            when 'square_customer_id' then square_rank
            when 'payment_record' then payment_rank
            when 'mailchimp_member' then subscriber_rank
            when 'email' then email_rank
            when 'name' then 3
        end as confidence_rank,
        match_step,
        event_details,
        source_record_id
    from attached
)

select
    event_id,
    customer_id,
    event_date,
    event_local_date,
    event_type,
    event_source,
    case confidence_rank when 1 then 'exact' when 2 then 'medium' when 3 then 'low' else 'unmatched' end
        as source_confidence,
    match_step,
    event_details,
    source_record_id
from final
