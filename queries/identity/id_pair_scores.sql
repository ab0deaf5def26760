-- Every candidate pair scored: each comparison's log2 Bayes factor (adjusted by the frequency of the
-- value agreed on where the level says so). The pair is one person (M), two people of one home (H)
-- or two strangers (U). Against U the evidence is every comparison's, with the prior log2 odds;
-- against H only the personal comparisons' (first name, birth date, national id, gender: a home's
-- people agree on its surname, address and contacts as one person does), with the household log2
-- odds (id_model_prior). Any pair may be H: a home's people often leave its address or phone out.
-- The match weight is the log2 odds of M against H or U together; without households in the data
-- the household odds are large and it is the two-class weight.
with

vectors as (
  select * from id_model_vectors
),

weighed as (
  select
    g.*,
    p.prior_log2_odds,
    p.household_log2_odds,
    {{weights}}
  from id_candidate_gammas as g
  cross join vectors as v
  cross join id_model_prior as p
),

summed as (
  select
    *,
    prior_log2_odds + {{weight_sum}} as stranger_weight,
    {{personal_weight_sum}} as personal_weight,
    ({{any_conflict}}) as has_conflict
  from weighed
),

combined as (
  select
    * exclude (stranger_weight),
    -log2(pow(2, -stranger_weight) + pow(2, -(household_log2_odds + personal_weight))) as match_weight
  from summed
),

final as (
  select *, 1 / (1 + pow(2, -match_weight)) as match_probability from combined
)

select * from final
