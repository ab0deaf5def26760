-- The customer id of every cluster. An existing id goes to the cluster holding most of its records
-- (ties: the one holding its earliest record). A cluster that wins several ids is a merge: the
-- OLDEST id survives and the others become its aliases. A cluster that wins none gets a new id from
-- a hash of its first record id: never random, so the same data always gives the same ids.
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

fresh as (
  select
    c.cluster,
    'cus_' || left(md5(c.first_record_id), 14) as first_choice,
    'cus_' || left(md5(c.first_record_id || '#1'), 14) as second_choice,
    c.first_record_id
  from clusters as c
  where c.cluster not in (select cluster from kept)
),

fresh_ranked as (
  select
    *,
    row_number() over (partition by first_choice order by first_record_id) > 1
      or first_choice in (select customer_id from existing) as collides
  from fresh
),

final as (
  select cluster, customer_id, customer_created_at, false as is_new, won_ids from kept
  union all
  select
    cluster,
    case when collides then second_choice else first_choice end as customer_id,
    $now::timestamptz as customer_created_at,
    true as is_new,
    []::varchar[] as won_ids
  from fresh_ranked
)

select * from final
