-- The pairs of profiles the model scores: those sharing a key under some blocking rule, and each
-- payment naming a membership with the membership owner's record (rule $owner_rule_id, or
-- $minor_owner_rule_id when the owner is under 18 at $as_of). `rules` holds one bit per rule that
-- paired them. A block is compared whole up to $max_block_size profiles ($max_weak_block_size for keys
-- of names alone); a larger one is split, sorted-neighbourhood style: its profiles in name and birth
-- date order, each compared with the next $neighbours (a weak key) or the cap's worth, so the work
-- stays linear; or, for a rule that is not split, left out.
-- Only split blocks are sorted: a whole block pairs every two of its profiles without an order.
with

-- Each block once, its profiles gathered in one list (id_block_keys holds a profile once per block):
-- one grouping on the text key, where counting each row's block and joining the block to itself
-- on that key took two.
sized as (
  select
    rule_id,
    block_key,
    weak,
    split,
    list(profile_id) as members,
    count(*) as block_size,
    case when weak then $max_weak_block_size else $max_block_size end as cap
  from id_block_keys
  group by rule_id, block_key, weak, split
  having count(*) >= 2
),

-- A block within its cap: every pair of it, each profile with those after it in id order.
whole as (
  select rule_id, members, unnest(range(1, len(members)::bigint)) as i
  from (select rule_id, list_sort(members) as members from sized where block_size <= cap)
),

whole_pairs as (
  select members[i] as pid_l, unnest(members[i + 1:]) as pid_r, (1::integer << rule_id) as rule_bit
  from whole
),

-- A block over its cap, of a rule that splits: only its profiles are put in order (name and birth
-- date), and each meets the next few.
oversized as (
  select rule_id, block_key, weak, cap, unnest(members) as profile_id
  from sized
  where block_size > cap and split
),

ranked as (
  select
    s.rule_id,
    s.block_key,
    s.profile_id,
    case when s.weak then $neighbours + 1 else s.cap end as window_size,
    row_number() over (
      partition by s.rule_id, s.block_key order by p.ln, p.fn, p.dob, s.profile_id
    ) as position
  from oversized as s
  join id_profiles as p using (profile_id)
),

reaches as (
  select rule_id, block_key, profile_id, position + unnest(range(1, window_size)) as other_position
  from ranked
),

split_pairs as (
  select
    least(l.profile_id, r.profile_id) as pid_l,
    greatest(l.profile_id, r.profile_id) as pid_r,
    (1::integer << l.rule_id) as rule_bit
  from reaches as l
  join ranked as r
    on r.rule_id = l.rule_id and r.block_key = l.block_key and r.position = l.other_position
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
  from (select * from whole_pairs union all select * from split_pairs union all select * from owner_pairs)
  group by pid_l, pid_r
)

select * from final
