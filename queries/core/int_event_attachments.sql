-- The customer each set of event keys attaches to, by the strongest key it holds. Source ids come
-- first (its Capitan customer; the owner of the membership a payment names; its Stripe or Square
-- customer; the Stripe charge's or the subscriber's own resolved record), then its email, then its name. Its
-- confidence is the weakest step of the chain that found the customer: the resolver's grade of the
-- record holding the key, at most 'medium' for an address several customers share, 'low' for a
-- name. A key set nothing attaches has no row.
with

keys as (
    select * from int_event_keys
),

records as (
    select record_kind, source_id, customer_id, confidence_rank from int_record_confidence
),

capitan_customers as (select * from records where record_kind = 'capitan:customer'),
stripe_customers as (select * from records where record_kind = 'stripe:customer'),
square_customers as (select * from records where record_kind = 'square:customer'),
stripe_charges as (select * from records where record_kind = 'stripe:charge'),
mailchimp_members as (select * from records where record_kind = 'mailchimp:member'),

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
    from keys
),

candidates as (
    select
        k.attach_key,
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
    left join capitan_customers as cap on cap.source_id = k.capitan_customer_id
    left join membership_owners as mo on mo.membership_id = k.membership_id
    left join capitan_customers as own on own.source_id = mo.owner_id
    left join stripe_customers as sc on sc.source_id = k.stripe_customer_id
    left join square_customers as sq on sq.source_id = k.square_customer_id
    left join stripe_charges as pay on pay.source_id = k.stripe_charge_id
    left join mailchimp_members as mc on mc.source_id = k.mailchimp_member_id
    left join emails as em on em.email = k.email_key
    left join names as nm on nm.person_name = k.name_key
),

chosen as (
    select
        attach_key,
        case
            when capitan_customer is not null then 'capitan_customer_id'
            when owner_customer is not null then 'membership_owner'
            when stripe_customer is not null then 'stripe_customer_id'
            when square_customer is not null then 'square_customer_id'
            when payment_customer is not null then 'payment_record'
            when subscriber_customer is not null then 'mailchimp_member'
            when email_customer is not null then 'email'
            when name_customer is not null then 'name'
        end as match_step,
        coalesce(
            capitan_customer, owner_customer, stripe_customer, square_customer, payment_customer,
            subscriber_customer, email_customer, name_customer
        ) as customer_id,
        coalesce(
            capitan_rank, owner_rank, stripe_rank, square_rank, payment_rank, subscriber_rank, email_rank,
            case when name_customer is not null then 3 end
        ) as confidence_rank
    from candidates
),

final as (
    select
        attach_key,
        customer_id,
        case confidence_rank when 1 then 'exact' when 2 then 'medium' else 'low' end as source_confidence,
        match_step
    from chosen
    where customer_id is not null
)

select * from final
