-- materialized: view
-- Every customer event the sources tell of, before it is attached to a customer: one row per
-- purchase line, refund, failed payment, check-in, membership start, end and freeze, and email sent,
-- opened and clicked. Each row carries the keys the attachment chain tries (a Capitan id, the
-- membership a payment names, Stripe and Square customer ids, the Stripe charge and the Mailchimp
-- member, which are resolved records of their own, an email, a name), `attach_key` (their hash: events with the same keys attach
-- alike, so attachment runs once per distinct key set), and the text of its source date, so a row
-- without a date can be rejected with its reason rather than dated null.
--
-- A view, not a table: tens of millions of rows at scale, read by
-- customer_events whole, by int_event_keys for its keys only and by rejected_events for undated
-- rows, so each reads only the columns and rows it needs. Views take no parameters; dates without a
-- time are local midnight in the session's time zone, which the database sets to the gym's.
with

sales as (
    select * from transactions
),

payment_intents as (
    select * from stg_stripe__payment_intents
),

checkins as (
    select * from stg_capitan__checkins
),

members as (
    select * from stg_capitan__members
),

memberships as (
    select * from stg_capitan__memberships
),

freezes as (
    select * from int_membership_freezes
),

-- Read by three branches; not materialized, so each scans only the columns and rows it needs.
recipients as not materialized (
    select * from stg_mailchimp__recipients
),

-- The offer each campaign's template carries (written by the template analysis; empty before it runs);
-- one that failed its plausibility checks reads as unknown.
offers as (
    select * from int_campaign_offer_facts
),

purchases as (
    select
        source as event_source,
        transaction_id as source_record_id,
        case
            when is_refund then 'refund'
            when category = 'day_pass' then 'day_pass_purchase'
            when category = 'new_membership' then 'membership_purchase'
            when category = 'membership_renewal' then 'membership_renewal'
            when category = 'retail' then 'retail_purchase'
            when category = 'programming' then 'programming_purchase'
            when category = 'event_booking' then 'event_booking'
            else 'other_purchase'
        end as event_type,
        occurred_at as event_at,
        'occurred_at' as date_field,
        null::varchar as date_raw,
        null::varchar as capitan_customer_id,
        membership_id,
        stripe_customer_id,
        square_customer_id,
        stripe_charge_id,
        null::varchar as mailchimp_member_id,
        email,
        billing_name as person_name,
        json_object(
            'payment_id', payment_id,
            'amount', amount,
            'description', description,
            'category', category,
            'sub_category', sub_category,
            'quantity', quantity,
            'day_pass_count', day_pass_count,
            'promo_code', promo_code,
            'membership_id', membership_id,
            'customer_name', billing_name,
            'refund_of_transaction_id', refund_of_transaction_id
        ) as event_details
    from sales
),

failed_payments as (
    select
        'stripe' as event_source,
        payment_intent_id as source_record_id,
        'payment_failed' as event_type,
        created_at as event_at,
        'created' as date_field,
        created_at_raw as date_raw,
        null::varchar as capitan_customer_id,
        membership_id,
        stripe_customer_id,
        null::varchar as square_customer_id,
        latest_charge_id as stripe_charge_id,
        null::varchar as mailchimp_member_id,
        coalesce(billing_email, receipt_email) as email,
        billing_name as person_name,
        json_object(
            'amount', amount,
            'description', description,
            'status', status,
            'failure_code', failure_code,
            'decline_code', decline_code,
            'failure_message', failure_message,
            'membership_id', membership_id
        ) as event_details
    from payment_intents
    where livemode and status <> 'succeeded'
),

visits as (
    select
        'capitan' as event_source,
        checkin_id as source_record_id,
        'checkin' as event_type,
        checked_in_at as event_at,
        'check_in_datetime' as date_field,
        checked_in_at_raw as date_raw,
        customer_id as capitan_customer_id,
        null::varchar as membership_id,
        null::varchar as stripe_customer_id,
        null::varchar as square_customer_id,
        null::varchar as stripe_charge_id,
        null::varchar as mailchimp_member_id,
        email,
        concat_ws(' ', first_name, last_name) as person_name,
        json_object(
            'entry_method', entry_method,
            'entry_method_description', entry_method_description,
            'is_day_pass', is_day_pass,
            'free_entry_reason', free_entry_reason
        ) as event_details
    from checkins
),

membership_members as (
    select
        m.membership_id,
        m.customer_id,
        m.first_name,
        m.last_name,
        m.is_owner,
        d.membership_plan_id,
        d.membership_name,
        d.status,
        d.start_date,
        d.start_date_raw,
        d.end_date,
        d.end_date_raw,
        d.owner_id,
        d.billing_amount,
        d.frequency,
        d.size,
        d.is_two_week_pass,
        d.is_90_for_90 or d.is_two_week_pass or d.frequency like 'prepaid%' as is_fixed_term,
        d.is_team_dues
    from members as m
    inner join memberships as d using (membership_id)
),

membership_changes as (
    select 'membership_started' as event_type, *, start_date as change_date, start_date_raw as change_date_raw,
           'start_date' as date_field
    from membership_members
    union all
    select 'membership_cancelled', *, end_date, end_date_raw, 'end_date'
    from membership_members
    where status = 'END'
),

membership_events as (
    select
        'capitan' as event_source,
        membership_id || ':' || customer_id as source_record_id,
        event_type,
        timezone(current_setting('TimeZone'), change_date::timestamp) as event_at,
        date_field,
        change_date_raw as date_raw,
        customer_id as capitan_customer_id,
        null::varchar as membership_id,
        null::varchar as stripe_customer_id,
        null::varchar as square_customer_id,
        null::varchar as stripe_charge_id,
        null::varchar as mailchimp_member_id,
        null::varchar as email,
        concat_ws(' ', first_name, last_name) as person_name,
        json_object(
            'membership_id', membership_id,
            'membership_plan_id', membership_plan_id,
            'membership_name', membership_name,
            'is_owner', is_owner,
            'owner_id', owner_id,
            'status', status,
            'start_date', start_date,
            'end_date', end_date,
            'frequency', frequency,
            'size', size,
            'billing_amount', billing_amount,
            'is_two_week_pass', is_two_week_pass,
            'is_fixed_term', is_fixed_term,
            'is_team_dues', is_team_dues
        ) as event_details
    from membership_changes
),

freeze_events as (
    select
        'capitan' as event_source,
        m.membership_id || ':' || m.customer_id || ':' || coalesce(f.frozen_until_date_raw, '') as source_record_id,
        'membership_frozen' as event_type,
        f.first_seen_frozen_at as event_at,
        'first fetch with status FRZ' as date_field,
        f.first_seen_frozen_at::varchar as date_raw,
        m.customer_id as capitan_customer_id,
        null::varchar as membership_id,
        null::varchar as stripe_customer_id,
        null::varchar as square_customer_id,
        null::varchar as stripe_charge_id,
        null::varchar as mailchimp_member_id,
        null::varchar as email,
        concat_ws(' ', m.first_name, m.last_name) as person_name,
        json_object(
            'membership_id', m.membership_id,
            'membership_name', m.membership_name,
            'is_owner', m.is_owner,
            'frozen_until_date', f.frozen_until_date
        ) as event_details
    from membership_members as m
    inner join freezes as f using (membership_id)
),

-- Email events are most of the timeline, so their details hold only the campaign and, on email_sent,
-- the offer its template carries (titles and subjects are in stg_mailchimp__campaigns; the address is
-- in the source record id, campaign:email).
email_events as (
    select
        'mailchimp' as event_source,
        campaign_id || ':' || email as source_record_id,
        event_type,
        event_at,
        date_field,
        date_raw,
        null::varchar as capitan_customer_id,
        null::varchar as membership_id,
        null::varchar as stripe_customer_id,
        null::varchar as square_customer_id,
        null::varchar as stripe_charge_id,
        email_id as mailchimp_member_id,
        email,
        null::varchar as person_name,
        event_details
    from (
        select
            'email_sent' as event_type, r.campaign_id, r.email, r.email_id, r.sent_at as event_at,
            'send_time' as date_field, r.sent_at_raw as date_raw,
            case
                when o.has_offer then json_object(
                    'campaign_id', r.campaign_id, 'has_offer', true, 'email_category', o.email_category,
                    'analyzed_by', o.analyzed_by, 'offer_type', o.offer_type, 'offer_amount', o.offer_amount,
                    'offer_code', o.offer_code, 'offer_expires', o.offer_expires,
                    'offer_description', o.offer_description
                )
                -- has_offer stays null while a template is unknown: never read as "no offer".
                else json_object(
                    'campaign_id', r.campaign_id, 'has_offer', o.has_offer, 'email_category', o.email_category,
                    'analyzed_by', coalesce(o.analyzed_by, 'unknown'), 'offer_status', o.offer_status
                )
            end as event_details
        from recipients as r
        left join offers as o using (campaign_id)
        union all
        select
            'email_opened', campaign_id, email, email_id, first_opened_at, 'first open timestamp',
            first_opened_at_raw, json_object('campaign_id', campaign_id, 'open_count', open_count)
        from recipients
        where opened
        union all
        select
            'email_clicked', campaign_id, email, email_id, first_clicked_at, 'first click timestamp',
            first_clicked_at_raw, json_object('campaign_id', campaign_id, 'click_count', click_count)
        from recipients
        where clicked
    )
),

unioned as (
    select * from purchases
    union all
    select * from failed_payments
    union all
    select * from visits
    union all
    select * from membership_events
    union all
    select * from freeze_events
    union all
    select * from email_events
),

final as (
    select
        *,
        hash(
            capitan_customer_id, membership_id, stripe_customer_id, square_customer_id, stripe_charge_id,
            mailchimp_member_id, email, person_name
        ) as attach_key
    from unioned
)

select * from final
