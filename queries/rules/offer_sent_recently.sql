-- Duplicate prevention: received an email carrying an offer in the last $within_days days (today
-- included). flag_details lists the offer types received, so an offer of the same type is not sent
-- again, and which types were already sent more than once in the window. flag_date is the latest
-- offer's day. Templates not yet analysed (has_offer unknown) do not count.
with

offers as (
    select
        customer_id,
        event_date,
        event_local_date,
        event_details ->> 'campaign_id' as campaign_id,
        event_details ->> 'offer_type' as offer_type,
        event_details ->> 'offer_code' as offer_code,
        event_details ->> 'offer_amount' as offer_amount,
        event_details ->> 'offer_expires' as offer_expires
    from customer_events
    where event_type = 'email_sent'
      and customer_id is not null
      and (event_details ->> 'has_offer') = 'true'
      and event_local_date <= $as_of::date
      and event_local_date > $as_of::date - $within_days::integer
),

by_type as (
    select customer_id, offer_type, count(*) as offers
    from offers
    group by all
),

types as (
    select
        customer_id,
        list(offer_type order by offer_type) as offer_types,
        list(offer_type order by offer_type) filter (where offers > 1) as repeated_offer_types
    from by_type
    group by customer_id
),

latest as (
    select
        customer_id,
        max(event_local_date) as last_offer_on,
        arg_max(campaign_id, event_date) as campaign_id,
        arg_max(offer_type, event_date) as offer_type,
        arg_max(offer_code, event_date) as offer_code,
        arg_max(offer_amount, event_date) as offer_amount,
        arg_max(offer_expires, event_date) as offer_expires,
        count(*) as offers_in_window
    from offers
    group by customer_id
),

final as (
    select
        l.customer_id,
        l.last_offer_on as flag_date,
        json_object(
            'offer_types', t.offer_types,
            'repeated_offer_types', coalesce(t.repeated_offer_types, []),
            'offers_in_window', l.offers_in_window,
            'last_offer_date', l.last_offer_on,
            'days_since_offer', $as_of::date - l.last_offer_on,
            'campaign_id', l.campaign_id,
            'offer_type', l.offer_type,
            'offer_code', l.offer_code,
            'offer_amount', l.offer_amount,
            'offer_expires', l.offer_expires,
            'description',
            'Received a ' || coalesce(l.offer_type, 'other') || ' offer ' || ($as_of::date - l.last_offer_on)
            || ' days ago: no other offer of that type before ' || (l.last_offer_on + $within_days::integer)
        ) as flag_details
    from latest as l
    inner join types as t using (customer_id)
)

select * from final
