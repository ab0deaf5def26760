-- No event is dated after today in the gym's time zone.
-- severity: error
select event_id, customer_id, event_type, event_source, event_date, event_local_date
from customer_events
where event_local_date > $as_of::date
order by event_local_date desc, event_id
