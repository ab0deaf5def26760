-- For each customer of this run (a cluster), the ids its records had before and how many records
-- had each: the votes that decide which existing id each cluster keeps.
with

current as (
  select r.record_id, c.cluster
  from id_record_profiles as r
  join id_clusters as c using (profile_id)
),

final as (
  select
    c.cluster,
    p.customer_id,
    count(*)::bigint as records,
    min(c.record_id) as first_record_id,
    min(p.customer_created_at) as customer_created_at
  from current as c
  join id_prev_resolved as p using (record_id)
  group by c.cluster, p.customer_id
)

select * from final
