-- One row per profile: its matching evidence, the forms its first names can take, and the source
-- accounts, membership owners and household hints its records carry.
with

records as (
  select * from id_record_profiles
),

grouped as (
  select
    profile_id,
    any_value(rep_record_id) as rep_record_id,
    count(*)::integer as n_records,
    any_value(fn) as fn,
    any_value(pf) as pf,
    any_value(ln) as ln,
    any_value(suffix) as suffix,
    any_value(email_match) as email_match,
    any_value(email_user) as email_user,
    any_value(phone_e164) as phone_e164,
    any_value(dob) as dob,
    any_value(dob_alt) as dob_alt,
    any_value(city) as city,
    any_value(postal) as postal,
    any_value(address) as address,
    list_sort(list_distinct(list(source))) as sources,
    list_sort(list_distinct(list(capitan_customer_id))) as capitan_ids,
    list_sort(list_distinct(list(stripe_customer_id))) as stripe_ids,
    list_sort(list_distinct(list(square_customer_id))) as square_ids,
    list_sort(list_distinct(list(membership_owner_id))) as owner_ids,
    list_sort(list_distinct(flatten(list(household_hints)))) as household_hints
  from records
  group by profile_id
),

forms as (
  select
    g.profile_id,
    list_sort(list_distinct(list(f.formal_name))) as formal_forms
  from grouped as g
  join id_name_forms as f on f.name in (g.fn, g.pf)
  group by g.profile_id
),

final as (
  select
    g.*,
    list_sort(list_distinct(
      coalesce(fo.formal_forms, []::varchar[]) || list_filter([g.fn, g.pf], x -> x is not null)
    )) as fn_forms,
    -- The letters of the email user name beyond the person's own names (kittycat77 → kittycat;
    -- natalie.castillo84 → nothing).
    regexp_replace(
      replace(replace(regexp_replace(g.email_user, '[^a-z]', '', 'g'), coalesce(g.fn, ''), ''), coalesce(g.ln, ''), ''),
      '[^a-z]', '', 'g'
    ) as email_user_extra
  from grouped as g
  left join forms as fo using (profile_id)
)

select * from final
