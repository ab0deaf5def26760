-- One row per profile: its matching evidence, the forms its first names can take, the source
-- accounts, membership owners and household hints its records carry, the Soundex codes of its names
-- for blocking, and the term frequencies of its first name, surname and city (the share of profiles
-- carrying that value, so agreeing on a common value weighs less than on a rare one).
with

-- Not materialized: read twice, each read takes only its own columns of the table (a copy of every
-- column of a million records cost more than this whole step's grouping).
records as not materialized (
  select * from id_record_profiles
),

-- The evidence of a profile is its first record's (all its records carry the same); the lists
-- of accounts and hints are gathered only where a profile holds more than one record, from its
-- records' values (empty values left out before gathering: most records have few of them).
evidence as (
  select * from records where record_id = rep_record_id
),

gathered as (
  select
    profile_id,
    list_sort(list_distinct(list(source) filter (where source is not null))) as sources,
    list_sort(list_distinct(list(capitan_customer_id) filter (where capitan_customer_id is not null))) as capitan_ids,
    list_sort(list_distinct(list(stripe_customer_id) filter (where stripe_customer_id is not null))) as stripe_ids,
    list_sort(list_distinct(list(square_customer_id) filter (where square_customer_id is not null))) as square_ids,
    list_sort(list_distinct(list(membership_owner_id) filter (where membership_owner_id is not null))) as owner_ids,
    list_sort(list_distinct(flatten(list(household_hints) filter (where len(household_hints) > 0)))) as household_hints
  from records
  where n_records > 1
  group by profile_id
),

grouped as (
  select
    e.profile_id,
    e.rep_record_id,
    e.n_records,
    e.fn,
    e.pf,
    e.fn_joined,
    e.ln,
    e.suffix,
    e.email_match,
    e.email_user,
    e.phone_e164,
    e.dob,
    e.dob_alt,
    e.dob_year,
    e.dob_month,
    e.minor,
    e.city,
    e.postal,
    e.address,
    e.nid,
    e.gender,
    e.state,
    false as in_cluster,
    coalesce(g.sources, list_filter([e.source], x -> x is not null)) as sources,
    coalesce(g.capitan_ids, list_filter([e.capitan_customer_id], x -> x is not null)) as capitan_ids,
    coalesce(g.stripe_ids, list_filter([e.stripe_customer_id], x -> x is not null)) as stripe_ids,
    coalesce(g.square_ids, list_filter([e.square_customer_id], x -> x is not null)) as square_ids,
    coalesce(g.owner_ids, list_filter([e.membership_owner_id], x -> x is not null)) as owner_ids,
    coalesce(g.household_hints, list_sort(list_distinct(e.household_hints)), []::varchar[]) as household_hints
  from evidence as e
  left join gathered as g using (profile_id)
),

-- A profile's given names as a set. Their forms and sounds depend on that set alone, so they are
-- worked out once per distinct set (a few thousand), not once per profile (a million at 1M records).
keyed_names as (
  select *, list_sort(list_distinct(list_filter([fn, pf, fn_joined], x -> x is not null))) as name_key from grouped
),

given_names as (
  select name_key, unnest(name_key) as name from (select distinct name_key from keyed_names)
),

-- Soundex once per distinct name, not once per profile: every given name and surname, and every
-- formal name a given name can stand for.
sounds as (
  select name, id_soundex(name) as sound
  from (
    select name from given_names
    union select ln as name from grouped
    union select formal_name as name from id_name_forms
  )
  where name is not null
),

-- The formal names a profile's given names stand for, and how all its first names sound: a first
-- name also sounds as its formal names (Bob as Robert), so nicknames meet in phonetic blocks.
forms as (
  select
    n.name_key,
    list_sort(list_distinct(list(f.formal_name))) as formal_forms,
    list_sort(list_distinct(list(gs.sound) || list(fs.sound))) as fn_sounds
  from given_names as n
  left join id_name_forms as f using (name)
  left join sounds as gs on gs.name = n.name
  left join sounds as fs on fs.name = f.formal_name
  group by n.name_key
),

-- User names more than one profile holds: only these can agree between two profiles, so only they
-- need the letters beyond the person's names (email_user_extra).
shared_users as (
  select email_user from grouped where email_user is not null group by email_user having count(*) > 1
),

described as (
  select
    g.*,
    list_sort(list_distinct(
      coalesce(fo.formal_forms, []::varchar[]) || list_filter([g.fn, g.pf, g.fn_joined], x -> x is not null)
    )) as fn_forms,
    -- The letters of the email user name beyond the person's own names, whatever form of them
    -- (kittycat77 → kittycat; jessica.cox84 for Jess Cox → nothing). Longer forms go first so
    -- "jess" does not leave "ica" of "jessica". Only the email comparison's "same user name" level
    -- reads it, so a user name no other profile holds goes without.
    case when su.email_user is not null then regexp_replace(
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
    ) end as email_user_extra,
    fo.fn_sounds as form_sounds
  from keyed_names as g
  left join forms as fo using (name_key)
  left join shared_users as su on su.email_user = g.email_user
),

fn_freq as (
  select fn, count(*) / sum(count(*)) over () as tf_fn from grouped where fn is not null group by fn
),

ln_freq as (
  select ln, count(*) / sum(count(*)) over () as tf_ln from grouped where ln is not null group by ln
),

city_freq as (
  select city, count(*) / sum(count(*)) over () as tf_city from grouped where city is not null group by city
),

final as (
  select
    d.* exclude (form_sounds, name_key),
    sl.sound as ln_sound,
    coalesce(d.form_sounds, []::varchar[]) as fn_sounds,
    f.tf_fn,
    l.tf_ln,
    c.tf_city
  from described as d
  left join sounds as sl on sl.name = d.ln
  left join fn_freq as f using (fn)
  left join ln_freq as l using (ln)
  left join city_freq as c using (city)
)

select * from final
