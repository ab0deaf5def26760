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

representatives as (
  select
    fn, pf, ln, suffix, email_match, phone_e164, dob, dob_alt, city, postal, address, lone_record_id,
    min(record_id) as rep_record_id,
    count(*)::integer as n_records
  from keyed
  group by all
),

represented as (
  select k.* exclude (lone_record_id), r.rep_record_id, r.n_records
  from keyed as k
  join representatives as r
    on r.fn is not distinct from k.fn
    and r.pf is not distinct from k.pf
    and r.ln is not distinct from k.ln
    and r.suffix is not distinct from k.suffix
    and r.email_match is not distinct from k.email_match
    and r.phone_e164 is not distinct from k.phone_e164
    and r.dob is not distinct from k.dob
    and r.dob_alt is not distinct from k.dob_alt
    and r.city is not distinct from k.city
    and r.postal is not distinct from k.postal
    and r.address is not distinct from k.address
    and r.lone_record_id is not distinct from k.lone_record_id
),

final as (
  select
    *,
    dense_rank() over (order by rep_record_id)::integer as profile_id
  from represented
)

select * from final
