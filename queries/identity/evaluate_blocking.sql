-- Blocking recall: the share of true pairs of records (same `truth_label` in id_input) that can
-- still be linked after blocking, because they share a profile or their profiles are a candidate pair.
with

labelled as (
  select r.record_id, r.profile_id, i.truth_label
  from id_record_profiles as r
  join id_input as i using (record_id)
  where i.truth_label is not null
),

true_pairs as (
  select least(a.profile_id, b.profile_id) as pid_l, greatest(a.profile_id, b.profile_id) as pid_r
  from labelled as a
  join labelled as b on b.truth_label = a.truth_label and b.record_id > a.record_id
),

final as (
  select
    count(*)::bigint as true_pairs,
    count(*) filter (where t.pid_l = t.pid_r or c.pid_l is not null)::bigint as candidate_true_pairs
  from true_pairs as t
  left join id_candidate_pairs as c on c.pid_l = t.pid_l and c.pid_r = t.pid_r
)

select * from final
