-- The comparison vector of each pair of profiles: for every comparison, the first level that holds
-- (its gamma), the frequency of a value agreed on where the weight follows it, and which conflicts
-- the pair shows. First and last names are compared the way round that fits (Lee James, James Lee).
-- The levels are compiled from src/identity/comparisons.ts.
with

pairs as (
  select pid_l, pid_r, rules from {{pair_source}}
),

joined as (
  select
    p.pid_l,
    p.pid_r,
    p.rules,
    l.fn as l_fn0,
    r.fn as r_fn0,
    l.ln as l_ln0,
    r.ln as r_ln0,
    l.fn_forms as l_fn_forms,
    r.fn_forms as r_fn_forms,
    l.suffix as l_suffix,
    r.suffix as r_suffix,
    l.email_match as l_email,
    r.email_match as r_email,
    l.email_user as l_email_user,
    r.email_user as r_email_user,
    l.email_user_extra as l_email_user_extra,
    l.household_hints as l_hints,
    r.household_hints as r_hints,
    l.phone_e164 as l_phone,
    r.phone_e164 as r_phone,
    l.dob as l_dob,
    r.dob as r_dob,
    l.dob_alt as l_dob_alt,
    r.dob_alt as r_dob_alt,
    l.dob_year as l_dob_year,
    r.dob_year as r_dob_year,
    l.dob_month as l_dob_month,
    r.dob_month as r_dob_month,
    l.minor and r.minor as both_minors,
    l.city as l_city,
    r.city as r_city,
    l.postal as l_postal,
    r.postal as r_postal,
    l.address as l_address,
    r.address as r_address,
    l.nid as l_nid,
    r.nid as r_nid,
    l.gender as l_gender,
    r.gender as r_gender,
    l.state as l_state,
    r.state as r_state,
    -- Two records at one email or phone: if they are two people, they live or act together (twins,
    -- a parent and child, a couple).
    coalesce(l.email_match = r.email_match, false) or coalesce(l.phone_e164 = r.phone_e164, false) as share_contact,
    -- Two children, each with an account of their own in one source, none in common (how a parent
    -- registers twins). Only the twins rule reads it, so it is worked out for minors alone (a case,
    -- since DuckDB evaluates both sides of an AND in a projection).
    case when l.minor and r.minor then
      (len(l.capitan_ids) > 0 and len(r.capitan_ids) > 0 and not list_has_any(l.capitan_ids, r.capitan_ids))
      or (len(l.square_ids) > 0 and len(r.square_ids) > 0 and not list_has_any(l.square_ids, r.square_ids))
      or (len(l.stripe_ids) > 0 and len(r.stripe_ids) > 0 and not list_has_any(l.stripe_ids, r.stripe_ids))
    else false end as separate_child_accounts,
    l.in_cluster,
    l.tf_fn as l_tf_fn,
    l.tf_ln as l_tf_ln,
    l.tf_city as l_tf_city
  from pairs as p
  join {{features}} as l on l.profile_id = p.pid_l
  join {{features}} as r on r.profile_id = p.pid_r
),

oriented as (
  select
    *,
    -- Swapped when the crossed reading is the closer one, typos and all (Lee Jmaes, James Lee). The
    -- four Jaro-Winklers only where the first names differ (an AND would work them out on every pair).
    coalesce(
      case when l_fn0 <> r_fn0 then
        jaro_winkler_similarity(l_fn0, r_ln0) + jaro_winkler_similarity(l_ln0, r_fn0)
          > jaro_winkler_similarity(l_fn0, r_fn0) + jaro_winkler_similarity(l_ln0, r_ln0)
      end,
      false
    ) as names_swapped
  from joined
),

aligned as (
  select
    * exclude (l_tf_fn, l_tf_ln),
    l_fn0 as l_fn,
    l_ln0 as l_ln,
    case when names_swapped then r_ln0 else r_fn0 end as r_fn,
    case when names_swapped then r_fn0 else r_ln0 end as r_ln,
    l_tf_fn,
    l_tf_ln
  from oriented
),

compared as (
  select
    pid_l,
    pid_r,
    rules,
    names_swapped,
    l_suffix,
    r_suffix,
    l_hints,
    r_hints,
    share_contact,
    both_minors,
    separate_child_accounts,
    in_cluster,
    {{gammas}},
    {{term_frequencies}}
  from aligned
),

final as (
  select
    * exclude (l_suffix, r_suffix, l_hints, r_hints, share_contact, both_minors, separate_child_accounts, in_cluster),
    {{conflicts}}
  from compared
)

select * from final
