-- Suspicious clusters: a customer built from more source records than the threshold is likely
-- several people merged through a shared email or phone (a front-desk address, a parent's phone).
-- severity: warn
-- threshold: 100
select customer_id, count(*)::bigint as records, count(distinct source)::bigint as sources
from resolved_records
group by customer_id
having count(*) > $threshold
order by records desc, customer_id
