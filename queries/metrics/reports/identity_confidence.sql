-- How surely each source's person records were linked to a customer: records per source and match
-- tier ('exact' = a shared identifier, 'medium' = the model's probability, 'single' = no other record).
select source, match_tier, count(*)::bigint as records
from resolved_records
group by all
order by source, match_tier
