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

keys as (
  select
    *,
    concat_ws(
      chr(31),
      coalesce(fn, chr(0)), coalesce(pf, chr(0)), coalesce(ln, chr(0)), coalesce(suffix, chr(0)),
      coalesce(email_match, chr(0)), coalesce(phone_e164, chr(0)), coalesce(cast(dob as varchar), chr(0)),
      coalesce(cast(dob_alt as varchar), chr(0)), coalesce(city, chr(0)), coalesce(postal, chr(0)),
      coalesce(address, chr(0)), coalesce(lone_record_id, chr(0))
    ) as evidence_key
  from keyed
),

represented as (
  select * exclude (evidence_key), min(record_id) over (partition by evidence_key) as rep_record_id
  from keys
),

final as (
  select
    * exclude (lone_record_id),
    dense_rank() over (order by rep_record_id)::integer as profile_id
  from represented
)

select * from final
