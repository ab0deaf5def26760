-- How many true pairs of records any resolver could join without merging two people of one home,
-- for a corpus of families (id_input's truth_label, and family emails: an email two true people use).
-- Two records of one person are tied when they carry something of that person's alone: the same
-- birth date, the same email that no one else uses, the same national id, or the same Jr/Sr suffix.
-- A record tied to none of its person's other records (no birth date, no suffix, a family email or
-- none) looks exactly like a record of a namesake in the same home, or of a same-named person no
-- other record shows: joining it by name and home alone merges two people somewhere in the corpus.
-- The pairs inside the ties' connected components bound the recall reachable with no such merge.
with recursive

records as (
  select i.record_id, i.truth_label, p.dob, p.email_match, p.nid, p.suffix
  from id_record_profiles as r
  join id_input as i using (record_id)
  join id_profiles as p using (profile_id)
  where i.truth_label is not null
),

shared_emails as (
  select email_match from records where email_match is not null group by email_match having count(distinct truth_label) > 1
),

ties as (
  select a.record_id as a, b.record_id as b
  from records as a
  join records as b on b.truth_label = a.truth_label and b.record_id <> a.record_id
  where a.dob = b.dob
    or a.nid = b.nid
    or a.suffix = b.suffix
    or (a.email_match = b.email_match and a.email_match not in (select email_match from shared_emails))
),

reach(node, root) as (
  select record_id, record_id from records
  union
  select t.b, reach.root from reach join ties as t on t.a = reach.node
),

groups as (
  select root_of.root, count(*)::bigint as n
  from (select node, min(root) as root from reach group by node) as root_of
  group by root_of.root
),

true_pairs as (
  select count(*)::bigint as n from records as a join records as b on b.truth_label = a.truth_label and b.record_id > a.record_id
),

final as (
  select
    (select n from true_pairs) as true_pairs,
    sum(n * (n - 1) // 2)::bigint as tied_pairs
  from groups
)

select * from final
