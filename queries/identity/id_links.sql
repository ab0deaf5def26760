-- Every link between records the resolver found, whatever its tier: one source account, identical
-- evidence, scored pairs and household hints, each with its evidence as JSON text.
with

final as (
  select * from id_account_links
  union all by name
  select * from id_identical_links
  union all by name
  select * from id_pair_links
  union all by name
  select * from id_hint_links
)

select * from final
