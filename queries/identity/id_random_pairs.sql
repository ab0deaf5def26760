-- A uniform random sample of profile pairs ($sample_size draws, repeats removed; deterministic for a
-- $seed): how often two people picked at random agree at each comparison level, the u probabilities.
with

counted as (
  select count(*)::ubigint as profiles from id_profiles
),

draws as (
  select
    (hash(i, $seed, 'left') % c.profiles + 1)::integer as a,
    (hash(i, $seed, 'right') % c.profiles + 1)::integer as b
  from range($sample_size) as t(i), counted as c
  where c.profiles > 1
),

final as (
  select distinct least(a, b) as pid_l, greatest(a, b) as pid_r, 0 as rules from draws where a <> b
)

select * from final
