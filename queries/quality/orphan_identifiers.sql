-- Every identifier belongs to a customer that exists in customer_master.
-- severity: error
select i.*
from customer_identifiers as i
anti join customer_master as m using (customer_id)
order by i.customer_id
