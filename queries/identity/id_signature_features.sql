-- One row per component signature, shaped like id_profiles so the comparisons run on it;
-- only the fields a conflict depends on are kept. Its signatures are together: one cluster.
with

signed as (
  select
    s.signature_id,
    any_value(s.profile_id) as profile_id,
    -- The source accounts of all the signature's profiles (the twins rule reads them).
    list_sort(list_distinct(flatten(list(a.capitan_ids)))) as capitan_ids,
    list_sort(list_distinct(flatten(list(a.square_ids)))) as square_ids,
    list_sort(list_distinct(flatten(list(a.stripe_ids)))) as stripe_ids
  from id_component_signatures as s
  join id_profiles as a on a.profile_id = s.profile_id
  group by s.signature_id
),

final as (
  select
    s.signature_id as profile_id,
    p.fn,
    p.pf,
    p.ln,
    p.fn_forms,
    p.suffix,
    p.dob,
    p.dob_alt,
    p.dob_year,
    p.dob_month,
    p.minor,
    s.capitan_ids,
    s.square_ids,
    s.stripe_ids,
    p.household_hints,
    p.nid,
    true as in_cluster,
    null::varchar as gender,
    null::varchar as state,
    null::varchar as email_match,
    null::varchar as email_user,
    null::varchar as email_user_extra,
    null::varchar as phone_e164,
    null::varchar as city,
    null::varchar as postal,
    null::varchar as address,
    null::double as tf_fn,
    null::double as tf_ln,
    null::double as tf_city
  from signed as s
  join id_profiles as p using (profile_id)
)

select * from final
