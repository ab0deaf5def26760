-- Records whose matching evidence is identical (same names, suffix, email, phone, birth date, place)
-- form one profile, matched once: a member's forty renewal charges are one profile, not 780 pairs.
-- Only evidence that names one person can make records identical: a record with neither a usable
-- email nor a phone stays a profile of its own, since two bare "John Smith"s may be two people.
with

keyed as (
  select
    *,
    case when email_match is null and phone_e164 is null then record_id end as lone_record_id
  from id_records
),

-- Records are grouped by a 64-bit hash of their evidence: one pass instead of a join on twelve
-- nullable columns. Two different evidence sets sharing a hash (odds about 1 in 10^8 for a million
-- profiles) would be taken for one profile.
represented as (
  select
    * exclude (lone_record_id),
    min(record_id) over evidence as rep_record_id,
    count(*) over evidence as n_records
  from keyed
  window evidence as (
    partition by hash(fn, pf, ln, suffix, email_match, phone_e164, dob, dob_alt, city, postal, address, lone_record_id)
  )
),

final as (
  select
    *,
    dense_rank() over (order by rep_record_id)::integer as profile_id
  from represented
)

select * from final
