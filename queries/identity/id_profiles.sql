-- One row per profile: its matching evidence, the forms its first names can take, the source
-- accounts, membership owners and household hints its records carry, the Soundex codes of its names
-- for blocking, and the term frequencies of its first name, surname and city (the share of profiles
-- carrying that value, so agreeing on a common value weighs less than on a rare one).
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

given_names as (
  select profile_id, unnest(list_filter([fn, pf], x -> x is not null)) as name from grouped
),

forms as (
  select
    n.profile_id,
    list_sort(list_distinct(list(f.formal_name))) as formal_forms
  from given_names as n
  join id_name_forms as f using (name)
  group by n.profile_id
),

described as (
  select
    g.*,
    list_sort(list_distinct(
      coalesce(fo.formal_forms, []::varchar[]) || list_filter([g.fn, g.pf], x -> x is not null)
    )) as fn_forms,
    -- The letters of the email user name beyond the person's own names, whatever form of them
    -- (kittycat77 → kittycat; jessica.cox84 for Jess Cox → nothing). Longer forms go first so
    -- "jess" does not leave "ica" of "jessica".
    regexp_replace(
      list_reduce(
        [regexp_replace(coalesce(g.email_user, ''), '[^a-z]', '', 'g')] || list_transform(
          list_sort(list_transform(
            list_filter(
              coalesce(fo.formal_forms, []::varchar[]) || [g.fn, g.pf, g.ln],
              x -> x is not null and length(x) > 1
            ),
            x -> {'order': -length(x), 'form': x}
          )),
          x -> x.form
        ),
        (acc, form) -> replace(acc, form, '')
      ),
      '[^a-z]', '', 'g'
    ) as email_user_extra
  from grouped as g
  left join forms as fo using (profile_id)
),

final as (
  select
    *,
    id_soundex(fn) as fn_sound,
    id_soundex(ln) as ln_sound,
    case when fn is not null then count(*) over (partition by fn) / count(fn) over () end as tf_fn,
    case when ln is not null then count(*) over (partition by ln) / count(ln) over () end as tf_ln,
    case when city is not null then count(*) over (partition by city) / count(city) over () end as tf_city
  from described
)

select * from final
