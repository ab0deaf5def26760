-- One row per input record: the customer it resolved to, its household, and how sure the join is.
select
  record_id,
  source,
  customer_id,
  household_id,
  confidence,
  match_tier,
  match_rule
from id_customer_records
