-- Every event attached to a customer points at a customer that exists (unmatched events carry no
-- customer id and are counted by customer_coverage instead).
-- severity: error
select e.event_id, e.customer_id, e.event_type, e.event_source, e.source_record_id
from customer_events as e
anti join customer_master as m using (customer_id)
where e.customer_id is not null
order by e.customer_id, e.event_id
