-- Profiles carrying the same source account (a Stripe customer and its charges, one Capitan
-- customer) are one person: each is linked to the account's first profile.
with

accounts as (
  select profile_id, 'stripe' as source, unnest(stripe_ids) as account_id from id_profiles
  union all
  select profile_id, 'square' as source, unnest(square_ids) as account_id from id_profiles
  union all
  select profile_id, 'capitan' as source, unnest(capitan_ids) as account_id from id_profiles
),

anchored as (
  select *, min(profile_id) over (partition by source, account_id) as anchor from accounts
),

final as (
  select
    a.anchor as pid_l,
    a.profile_id as pid_r,
    l.rep_record_id as record_id_l,
    r.rep_record_id as record_id_r,
    'exact' as tier,
    'same ' || a.source || ' customer account' as match_rule,
    1.0::double as match_probability,
    null::double as match_weight,
    false as has_conflict,
    true as accepted,
    to_json({'source': a.source, 'account_id': a.account_id})::varchar as evidence
  from anchored as a
  join id_profiles as l on l.profile_id = a.anchor
  join id_profiles as r on r.profile_id = a.profile_id
  where a.anchor <> a.profile_id
  qualify row_number() over (partition by a.anchor, a.profile_id order by a.source, a.account_id) = 1
)

select * from final
