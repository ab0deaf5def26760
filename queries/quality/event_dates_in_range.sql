-- Event dates fall in a sane range: not before the threshold year (the gym's systems are younger),
-- so a date parsed with the wrong format (year 0024, 1970) shows up.
-- severity: warn
-- threshold: 2010
select event_id, customer_id, event_type, event_source, event_date, event_local_date
from customer_events
where event_local_date < make_date($threshold::integer, 1, 1)
order by event_local_date, event_id
