-- The tier of every candidate pair worth keeping, with its evidence.
--   exact: one email or phone (or a payment for a membership the other owns) and nothing against it:
--          first names agree (or one is missing and the contact is nobody else's), birth dates agree;
--          or one Jr/Sr suffix, one surname and first names that agree at a shared email or phone
--          (a home holds one Jr and one Sr of a name, even when the contact is the family's);
--   medium: the model's match probability is at least $medium_threshold and no conflict;
--   household: a shared email or phone, or a payment for a membership, between two people (a
--          payment for a minor's membership is always the guardian's);
--   low: the review band from $review_threshold, and strong scores that carry a conflict.
-- Only exact and medium links join records into one customer.
with

-- Only pairs that can earn a tier go on: a shared contact, a membership payment, or a score in the
-- review band or above.
scores as (
  select *
  from id_pair_scores
  where g_email = $same_email
    or g_phone = $same_phone
    or (rules & ($owner_rule_bit | $minor_owner_rule_bit)) <> 0
    or match_probability >= $review_threshold
),

contacts as (
  select
    s.*,
    l.rep_record_id as record_id_l,
    r.rep_record_id as record_id_r,
    s.g_email = $same_email as same_email,
    s.g_phone = $same_phone as same_phone,
    (s.rules & $owner_rule_bit) <> 0 as pays_owner,
    (s.rules & $minor_owner_rule_bit) <> 0 as pays_minor,
    s.g_email = $same_email and se.value is not null as email_shared,
    s.g_phone = $same_phone and sp.value is not null as phone_shared,
    coalesce(l.suffix = r.suffix, false) as same_suffix
  from scores as s
  join id_profiles as l on l.profile_id = s.pid_l
  join id_profiles as r on r.profile_id = s.pid_r
  left join id_shared_identifiers as se on se.kind = 'email' and se.value = l.email_match
  left join id_shared_identifiers as sp on sp.kind = 'phone' and sp.value = l.phone_e164
),

-- "Nothing against it": no conflict, first names that agree (same, a nickname, a typo), and an
-- email or phone that belongs to one person (id_shared_identifiers): a family's shared address is
-- evidence for the model, never proof on its own.
agreed as (
  select
    *,
    not has_conflict and g_first_name <= $exact_first_name_max as names_agree
  from contacts
),

ruled as (
  select
    *,
    case
      when names_agree and same_email and not email_shared then 'same email, nothing against it'
      when names_agree and same_phone and not phone_shared then 'same phone, nothing against it'
      when names_agree and pays_owner then 'pays for the membership this person owns'
      -- A home has one Jr and one Sr of a name: the same suffix at the home's contact is one of them.
      when names_agree and same_suffix and g_last_name <= $exact_last_name_max and (same_email or same_phone)
        then 'same Jr/Sr suffix at one home''s email or phone, nothing against it'
    end as exact_rule,
    case
      when same_email then 'shares an email with another person'
      when same_phone then 'shares a phone with another person'
      when pays_minor then 'pays for a minor''s membership (a guardian)'
      when pays_owner then 'pays for a household member''s membership'
    end as household_rule
  from agreed
),

tiered as (
  select
    *,
    case
      when exact_rule is not null then 'exact'
      when match_probability >= $medium_threshold and not has_conflict then 'medium'
      when household_rule is not null then 'household'
      when match_probability >= $review_threshold then 'low'
    end as tier
  from ruled
),

final as (
  select
    pid_l,
    pid_r,
    record_id_l,
    record_id_r,
    tier,
    coalesce(
      exact_rule,
      case
        when tier = 'medium' then 'model: match probability at or above the medium threshold'
        when tier = 'household' then household_rule
        when has_conflict then 'model: a strong score, but conflicting evidence'
        else 'model: match probability in the review band'
      end
    ) as match_rule,
    match_probability,
    match_weight,
    has_conflict,
    tier in ('exact', 'medium') as accepted,
    {{evidence}} as evidence
  from tiered
  where tier is not null
)

select * from final
