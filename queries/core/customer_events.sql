-- The customer timeline: one row per dated event, attached to a customer (int_event_attachments) or
-- kept with no customer and 'unmatched' when no key it carries leads to one. Rows without a date are
-- in rejected_events instead. `event_id` is the md5 of the source, record and event type, as a
-- 64-bit number (a third of the hex text's size at 25 million events): a rebuild gives every event
-- the id it had. `event_local_date` is the gym-local day of `event_date`.
with

sources as (
    select * from int_event_sources
    where event_at is not null
),

attachments as (
    select * from int_event_attachments
),

final as (
    select
        md5_number_lower(s.event_source || ':' || s.source_record_id || ':' || s.event_type) as event_id,
        a.customer_id,
        s.event_at as event_date,
        timezone($time_zone, s.event_at)::date as event_local_date,
        s.event_type,
        s.event_source,
        coalesce(a.source_confidence, 'unmatched') as source_confidence,
        a.match_step,
        s.event_details,
        s.source_record_id
    from sources as s
    left join attachments as a using (attach_key)
)

select * from final
