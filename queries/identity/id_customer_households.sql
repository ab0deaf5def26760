-- The household of every customer, named after its oldest customer id (hh_ + that id's suffix), so
-- it stays put as long as that customer does.
with

members as (
  select cc.customer_id, cc.customer_created_at, h.label as household
  from id_household_labels as h
  join id_cluster_customers as cc on cc.cluster = h.node
),

named as (
  select
    household,
    'hh_' || substr(arg_min(customer_id, (customer_created_at, customer_id)), 5) as household_id
  from members
  group by household
),

final as (
  select m.customer_id, n.household_id
  from members as m
  join named as n using (household)
)

select * from final
