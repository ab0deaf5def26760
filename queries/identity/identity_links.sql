-- Every link between records (core/identity_links): tier, rule, score and the evidence behind it
-- (Splink-style: each comparison's level and Bayes factor, as JSON), and whether it joined one customer.
with

customers as (
  select c.profile_id, cc.customer_id
  from id_clusters as c
  join id_cluster_customers as cc using (cluster)
),

final as (
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
    l.guard_against,
    l.evidence
  from id_final_links as l
  join customers as cl on cl.profile_id = l.pid_l
  join customers as cr on cr.profile_id = l.pid_r
)

select * from final
