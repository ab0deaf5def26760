-- The review queue (core/identity_review): pairs the resolver would not join on its own, the low
-- band and the links the chaining guard refused, with what a reviewer needs to decide.
with

queued as (
  select * from id_final_links where tier = 'low' or refused_by_guard
),

final as (
  select
    q.record_id_l,
    q.record_id_r,
    cl.customer_id as customer_id_l,
    cr.customer_id as customer_id_r,
    case when q.refused_by_guard then 'refused by the chaining guard' else q.match_rule end as reason,
    q.match_probability,
    concat_ws(' ', cl.first_name, cl.last_name, cl.full_name) as name_l,
    concat_ws(' ', cr.first_name, cr.last_name, cr.full_name) as name_r,
    cl.email_norm as email_l,
    cr.email_norm as email_r,
    cl.phone_e164 as phone_l,
    cr.phone_e164 as phone_r,
    cl.dob as birth_date_l,
    cr.dob as birth_date_r,
    q.evidence
  from queued as q
  join id_customer_records as cl on cl.record_id = q.record_id_l
  join id_customer_records as cr on cr.record_id = q.record_id_r
)

select * from final order by match_probability desc nulls last
