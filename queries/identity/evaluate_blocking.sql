-- Blocking recall: the share of true pairs of records (same `truth_label` in id_input) that can
-- still be linked after blocking, because they share a profile or their profiles are a candidate pair.
-- Counted per profile, not per record pair: a person's forty identical records are one profile.
with

labelled as (
  select i.truth_label, r.profile_id, count(*)::bigint as records
  from id_record_profiles as r
  join id_input as i using (record_id)
  where i.truth_label is not null
  group by all
),

-- Pairs of records inside one profile: blocking cannot lose them.
within as (
  select coalesce(sum(records * (records - 1) // 2), 0)::bigint as pairs from labelled
),

across as (
  select
    a.records * b.records as pairs,
    c.pid_l is not null as candidate
  from labelled as a
  join labelled as b on b.truth_label = a.truth_label and b.profile_id > a.profile_id
  left join id_candidate_pairs as c on c.pid_l = a.profile_id and c.pid_r = b.profile_id
),

final as (
  select
    (w.pairs + coalesce((select sum(pairs) from across), 0))::bigint as true_pairs,
    (w.pairs + coalesce((select sum(pairs) filter (where candidate) from across), 0))::bigint as candidate_true_pairs
  from within as w
)

select * from final
