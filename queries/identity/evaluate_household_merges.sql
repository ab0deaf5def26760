-- Merges of two true people of one household (pairs of true labels of one true household,
-- {{households}}: truth_label, household_id) that were put into one customer, and whether the two
-- use one normalised email or phone on some record of each (`share_contact`). Zero is the only
-- acceptable answer: such a pair is a family (twins, a parent and child), not a person.
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

placed as (
  select distinct r.truth_label, r.customer_id, h.household_id
  from resolved as r
  join {{households}} as h using (truth_label)
),

merged as (
  select a.truth_label as person_a, b.truth_label as person_b, a.customer_id
  from placed as a
  join placed as b
    on b.customer_id = a.customer_id
    and b.household_id = a.household_id
    and b.truth_label > a.truth_label
),

final as (
  select
    m.person_a,
    m.person_b,
    m.customer_id,
    exists (
      select 1
      from contacts as ca
      join contacts as cb
        on cb.identifier_type = ca.identifier_type and cb.normalized_value = ca.normalized_value
      where ca.truth_label = m.person_a and cb.truth_label = m.person_b
    ) as share_contact
  from merged as m
)

select distinct * from final order by person_a, person_b
