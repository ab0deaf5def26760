-- Every record with its raw values, customer, household, how it joined, and the survivorship rank of
-- its source. Only the matching fields the outputs show are carried: at a million records each
-- column copied costs time.
with

final as (
  select
    r.record_id,
    r.profile_id,
    r.source,
    r.fn,
    r.ln,
    r.email_norm,
    r.email_valid,
    r.phone_e164,
    r.dob,
    r.dob_status,
    r.city,
    r.postal,
    r.address,
    r.capitan_customer_id,
    r.stripe_customer_id,
    r.square_customer_id,
    r.seen_at,
    i.first_name,
    i.last_name,
    i.full_name,
    i.email,
    i.phone,
    i.address as address_raw,
    i.city as city_raw,
    c.cluster,
    cc.customer_id,
    cc.customer_created_at,
    h.household_id,
    rc.match_tier,
    rc.match_rule,
    rc.confidence,
    coalesce(t.trust_rank, 99) as trust_rank,
    se.value is not null or coalesce(r.email_is_role, false) as email_is_shared,
    sp.value is not null as phone_is_shared
  from id_record_profiles as r
  join id_input as i on i.record_id = r.record_id
  join id_clusters as c using (profile_id)
  join id_cluster_customers as cc using (cluster)
  join id_customer_households as h using (customer_id)
  join id_profile_confidence as rc using (profile_id)
  left join id_source_trust as t on t.source = r.source
  left join id_shared_identifiers as se on se.kind = 'email' and se.value = r.email_match
  left join id_shared_identifiers as sp on sp.kind = 'phone' and sp.value = r.phone_e164
)

select * from final
