-- No two rows of customer_master share a customer id.
-- severity: error
select customer_id, count(*)::bigint as rows
from customer_master
group by customer_id
having count(*) > 1
order by rows desc, customer_id
