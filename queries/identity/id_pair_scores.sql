-- Every candidate pair scored: each comparison's log2 Bayes factor (adjusted by the frequency of the
-- value agreed on where the level says so), summed with the prior log2 odds (id_model_prior) into a
-- match weight, and the match probability it implies.
with

vectors as (
  select * from id_model_vectors
),

weighed as (
  select
    g.*,
    p.prior_log2_odds,
    {{weights}}
  from id_candidate_gammas as g
  cross join vectors as v
  cross join id_model_prior as p
),

summed as (
  select
    *,
    prior_log2_odds + {{weight_sum}} as match_weight,
    ({{any_conflict}}) as has_conflict
  from weighed
),

final as (
  select *, 1 / (1 + pow(2, -match_weight)) as match_probability from summed
)

select * from final
