-- materialized: view
-- One row per distinct set of attachment keys the events carry (a few million at scale, against
-- tens of millions of events: a member's hundred check-ins or a subscriber's emails share one).
-- Read straight from staging, branch by branch, with the same key expressions as int_event_sources
-- (its `attach_key` hashes the same columns in the same order): scanning only the key columns here
-- is several times cheaper than reading the event view, whose union DuckDB evaluates whole. A key
-- expression that drifted from the event view's would leave its events unmatched; the timeline test
-- fails on any unmatched event a key could attach.
with

keys as (
    select distinct
        null::varchar as capitan_customer_id, membership_id, stripe_customer_id, square_customer_id,
        stripe_charge_id, null::varchar as mailchimp_member_id, email, billing_name as person_name
    from transactions
    union
    select distinct
        null, membership_id, stripe_customer_id, null, latest_charge_id, null,
        coalesce(billing_email, receipt_email), billing_name
    from stg_stripe__payment_intents
    where livemode and status <> 'succeeded'
    union
    select distinct customer_id, null, null, null, null, null, email, concat_ws(' ', first_name, last_name)
    from stg_capitan__checkins
    union
    select distinct customer_id, null, null, null, null, null, null, concat_ws(' ', first_name, last_name)
    from stg_capitan__members
    union
    select distinct null, null, null, null, null, email_id, email, null
    from stg_mailchimp__recipients
),

final as (
    select
        hash(
            capitan_customer_id, membership_id, stripe_customer_id, square_customer_id, stripe_charge_id,
            mailchimp_member_id, email, person_name
        ) as attach_key,
        *
    from keys
)

select * from final
