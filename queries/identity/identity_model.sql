-- The fitted model (core/identity_model), Splink-style: per comparison level its m and u, and the
-- Bayes factor m/u an agreement at that level multiplies the odds by; $lambda is the prior.
select
  comparison,
  gamma,
  label,
  m,
  u,
  case when gamma = 0 then 1 else m / u end as bayes_factor,
  case when gamma = 0 then 0 else log2(m / u) end as log2_bayes_factor,
  $lambda::double as prior_match_probability
from id_model_levels
order by comparison, gamma
