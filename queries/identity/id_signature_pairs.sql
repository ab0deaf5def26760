-- Every pair of distinct signatures inside one component.
with

signatures as (
  select distinct component, signature_id from id_component_signatures
),

final as (
  select a.signature_id as pid_l, b.signature_id as pid_r, 0 as rules, a.component
  from signatures as a
  join signatures as b on b.component = a.component and b.signature_id > a.signature_id
)

select * from final
