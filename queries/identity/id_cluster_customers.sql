-- The customer id of every cluster. An existing id goes to the cluster holding most of its records
-- (ties: the one holding its earliest record). A cluster that wins several ids is a merge: the
-- OLDEST id survives and the others become its aliases. A cluster that wins none gets a new id from
-- a hash of its first record id: never random, so the same data always gives the same ids (an id
-- ever used is never handed out again, to no other customer).
with

votes as (
  select * from id_id_votes
),

winners as (
  select *
  from votes
  qualify row_number() over (partition by customer_id order by records desc, first_record_id) = 1
),

kept as (
  select
    cluster,
    arg_min(customer_id, (customer_created_at, customer_id)) as customer_id,
    min(customer_created_at) as customer_created_at,
    list_sort(list(customer_id)) as won_ids
  from winners
  group by cluster
),

clusters as (
  select c.cluster, min(r.record_id) as first_record_id
  from id_record_profiles as r
  join id_clusters as c using (profile_id)
  group by c.cluster
),

existing as (
  select customer_id from id_prev_resolved
  union
  select alias_id as customer_id from id_prev_aliases
),

fresh_clusters as (
  select * from clusters where cluster not in (select cluster from kept)
),

-- The hash of the first record id; where that id is taken (by an earlier customer, or by another
-- new one drawing the same hash), the hash of "<record id>#1", "#2", … up to "#8".
first_pick as (
  select cluster, first_record_id, 'cus_' || left(md5(first_record_id), 14) as candidate
  from fresh_clusters
),

first_ok as (
  select *
  from first_pick
  where candidate not in (select customer_id from existing)
  qualify row_number() over (partition by candidate order by first_record_id) = 1
),

retry_candidates as (
  select f.cluster, f.first_record_id, k.k, 'cus_' || left(md5(f.first_record_id || '#' || k.k), 14) as candidate
  from fresh_clusters as f
  cross join range(1, 9) as k(k)
  where f.cluster not in (select cluster from first_ok)
),

retry_ok as (
  select *
  from retry_candidates
  where candidate not in (select customer_id from existing) and candidate not in (select candidate from first_ok)
  qualify row_number() over (partition by candidate order by first_record_id, k) = 1
),

fresh as (
  select cluster, candidate as customer_id from first_ok
  union all
  select cluster, arg_min(candidate, k) as customer_id from retry_ok group by cluster
),

final as (
  select cluster, customer_id, customer_created_at, false as is_new, won_ids from kept
  union all
  select cluster, customer_id, $now::timestamptz as customer_created_at, true as is_new, []::varchar[] as won_ids
  from fresh
)

select * from final
