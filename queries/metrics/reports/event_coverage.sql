-- Coverage of the timeline: per event type, how many events reached a customer and how surely
-- ('unmatched' events carry no key that leads to a customer and stay in the timeline unattached).
select
    event_type,
    count(*)::bigint as events,
    count(*) filter (where source_confidence = 'exact')::bigint as exact,
    count(*) filter (where source_confidence = 'medium')::bigint as medium,
    count(*) filter (where source_confidence = 'low')::bigint as low,
    count(*) filter (where source_confidence = 'unmatched')::bigint as unmatched
from customer_events
group by all
order by events desc
