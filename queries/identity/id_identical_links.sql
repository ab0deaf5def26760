-- Records with identical evidence (one profile) are linked to the profile's first record.
with

final as (
  select
    profile_id as pid_l,
    profile_id as pid_r,
    rep_record_id as record_id_l,
    record_id as record_id_r,
    'exact' as tier,
    'identical evidence' as match_rule,
    1.0::double as match_probability,
    null::double as match_weight,
    false as has_conflict,
    true as accepted,
    to_json({'first_name': fn, 'last_name': ln, 'email': email_match, 'phone': phone_e164, 'birth_date': dob})
      ::varchar as evidence
  from id_record_profiles
  where record_id <> rep_record_id
)

select * from final
