-- Splits (state/customer_id_splits): records that had an id and now belong to another customer,
-- because the id went to the cluster holding most of its records.
with

moved as (
  select
    v.customer_id,
    cc.customer_id as new_customer_id,
    v.records,
    $now::timestamptz as split_at
  from id_id_votes as v
  join id_cluster_customers as cc using (cluster)
  where cc.customer_id <> v.customer_id and not list_contains(cc.won_ids, v.customer_id)
),

final as (
  select * from id_prev_splits
  union all
  select * from moved
)

select * from final order by split_at, customer_id, new_customer_id
