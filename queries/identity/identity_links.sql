-- Every link between records (core/identity_links): tier, rule, score and the evidence behind it
-- (Splink-style: each comparison's level and Bayes factor), and whether it joined one customer.
select
  l.record_id_l,
  l.record_id_r,
  cl.customer_id as customer_id_l,
  cr.customer_id as customer_id_r,
  l.tier,
  l.match_rule,
  l.match_probability,
  l.match_weight,
  l.joins as accepted,
  l.refused_by_guard,
  l.evidence
from id_final_links as l
join id_customer_records as cl on cl.record_id = l.record_id_l
join id_customer_records as cr on cr.record_id = l.record_id_r
order by l.record_id_l, l.record_id_r
