-- Merges of two true people of one household who share a contact (an email or phone on some record
-- of each): pairs of true labels of one true household ({{households}}: truth_label, household_id)
-- that use one normalised email or phone and were put into one customer. Zero is the only
-- acceptable answer: such a pair is a family, not a person.
with

resolved as (
  select record_id, customer_id, truth_label from {{resolved}} where truth_label is not null
),

contacts as (
  select distinct r.truth_label, i.identifier_type, i.normalized_value
  from {{identifiers}} as i
  join resolved as r on r.record_id = i.source_record_id
  where i.identifier_type in ('email', 'phone')
),

households as (
  select truth_label, household_id from {{households}}
),

sharing as (
  select distinct a.truth_label as person_a, b.truth_label as person_b
  from contacts as a
  join contacts as b
    on b.identifier_type = a.identifier_type
    and b.normalized_value = a.normalized_value
    and b.truth_label > a.truth_label
  join households as ha on ha.truth_label = a.truth_label
  join households as hb on hb.truth_label = b.truth_label and hb.household_id = ha.household_id
),

placed as (
  select distinct truth_label, customer_id from resolved
),

final as (
  select s.person_a, s.person_b, pa.customer_id
  from sharing as s
  join placed as pa on pa.truth_label = s.person_a
  join placed as pb on pb.truth_label = s.person_b and pb.customer_id = pa.customer_id
)

select * from final order by person_a, person_b
