-- Ids merged away in this run: each still resolves, to the older id that survived.
with

final as (
  select unnest(list_filter(won_ids, x -> x <> customer_id)) as alias_id, customer_id, $now::timestamptz as merged_at
  from id_cluster_customers
  where len(won_ids) > 1
)

select * from final
