-- The fitted model as one row: per comparison, the log2 Bayes factor of each level (indexed by
-- gamma + 1) and the m of its term-frequency level. Scoring reads it with a cross join.
with

levels as (
  select * from id_model_levels
),

final as (
  select
    {{vectors}}
  from levels
)

select * from final
