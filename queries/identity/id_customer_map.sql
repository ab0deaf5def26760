-- The new id map (state/customer_id_map): every record of this run with its customer id, and the
-- records of earlier runs absent today, kept so their ids still resolve.
with

current as (
  select
    r.record_id,
    cc.customer_id,
    coalesce(p.first_assigned_at, $now::timestamptz) as first_assigned_at,
    cc.customer_created_at
  from id_record_profiles as r
  join id_clusters as c using (profile_id)
  join id_cluster_customers as cc using (cluster)
  left join id_prev_resolved as p using (record_id)
),

absent as (
  select p.record_id, coalesce(a.customer_id, p.customer_id) as customer_id, p.first_assigned_at, p.customer_created_at
  from id_prev_resolved as p
  left join id_new_aliases as a on a.alias_id = p.customer_id
  where p.record_id not in (select record_id from id_record_profiles)
),

final as (
  select * from current
  union all
  select * from absent
)

select * from final
