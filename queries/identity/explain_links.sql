-- The links touching one customer: those that joined its records, and household or review links
-- to other customers, with their evidence.
select
  record_id_l,
  record_id_r,
  case when customer_id_l = $customer_id then customer_id_r else customer_id_l end as other_customer_id,
  tier,
  match_rule,
  match_probability,
  accepted,
  refused_by_guard,
  guard_against,
  evidence
from identity_links
where customer_id_l = $customer_id or customer_id_r = $customer_id
order by accepted desc, tier, match_probability desc nulls first, record_id_l, record_id_r
