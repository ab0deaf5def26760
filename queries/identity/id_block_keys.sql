-- Every profile's blocking keys under every rule (src/identity/blocking.ts), one row per key.
with

keys as (
  {{block_keys}}
),

final as (
  select distinct rule_id, weak, split, block_key::varchar as block_key, profile_id from keys where block_key is not null
)

select * from final
