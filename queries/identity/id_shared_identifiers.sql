-- Emails and phones that more than one person uses (a family address, a parent's phone, two
-- namesakes typing one address): some pair of profiles agreeing on the value shows a conflict
-- (different first names or birth dates, related by the source), or has a different surname and a
-- different other contact. Such a value no longer proves one person on its own.
with

conflicting as (
  select pid_l, pid_r
  from id_pair_scores
  where
    (g_email = $same_email and (has_conflict or (g_last_name = $different_surnames and g_phone = $different_phones)))
    or (g_phone = $same_phone and (has_conflict or (g_last_name = $different_surnames and g_email = $different_emails)))
),

emails as (
  select distinct 'email' as kind, l.email_match as value
  from conflicting as c
  join id_profiles as l on l.profile_id = c.pid_l
  join id_profiles as r on r.profile_id = c.pid_r
  where l.email_match = r.email_match
),

phones as (
  select distinct 'phone' as kind, l.phone_e164 as value
  from conflicting as c
  join id_profiles as l on l.profile_id = c.pid_l
  join id_profiles as r on r.profile_id = c.pid_r
  where l.phone_e164 = r.phone_e164
),

final as (
  select * from emails
  union all
  select * from phones
)

select * from final
