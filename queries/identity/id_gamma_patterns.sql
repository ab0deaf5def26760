-- How many pairs show each comparison vector (one row per distinct pattern of levels), among the
-- pairs one blocking rule set paired ($rule_mask; 0 takes them all). EM runs on these counts, in a
-- fixed order: its sums of floating-point numbers then come out the same bit for bit on every run.
with

pairs as (
  select * from {{pair_gammas}} where $rule_mask = 0 or (rules & $rule_mask) <> 0
),

final as (
  select {{gamma_columns}}, count(*)::bigint as pairs from pairs group by all
)

select * from final order by all
