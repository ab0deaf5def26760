-- The pairs of profiles the model scores: those sharing a key under some blocking rule (keys held by
-- more than $max_block_size profiles are skipped, $max_weak_block_size for keys of names alone), and each payment naming a membership with the
-- membership owner's record (rule $owner_rule_id, or $minor_owner_rule_id when the owner is under 18
-- at $as_of). `rules` holds one bit per rule that paired them.
with

sized as (
  select *, count(*) over (partition by rule_id, block_key) as block_size from id_block_keys
),

kept as (
  select rule_id, block_key, profile_id
  from sized
  where block_size >= 2 and block_size <= case when weak then $max_weak_block_size else $max_block_size end
),

rule_pairs as (
  select l.profile_id as pid_l, r.profile_id as pid_r, (1::integer << l.rule_id) as rule_bit
  from kept as l
  join kept as r on r.rule_id = l.rule_id and r.block_key = l.block_key and r.profile_id > l.profile_id
),

payers as (
  select profile_id, unnest(owner_ids) as owner_id from id_profiles where len(owner_ids) > 0
),

owners as (
  select profile_id, unnest(capitan_ids) as capitan_id, dob > ($as_of::date - interval 18 years) as is_minor
  from id_profiles
  where len(capitan_ids) > 0
),

owner_pairs as (
  select
    least(payers.profile_id, owners.profile_id) as pid_l,
    greatest(payers.profile_id, owners.profile_id) as pid_r,
    (1::integer << case when owners.is_minor then $minor_owner_rule_id else $owner_rule_id end) as rule_bit
  from payers
  join owners on owners.capitan_id = payers.owner_id and owners.profile_id <> payers.profile_id
),

final as (
  select pid_l, pid_r, bit_or(rule_bit)::integer as rules
  from (select * from rule_pairs union all select * from owner_pairs)
  group by pid_l, pid_r
)

select * from final
