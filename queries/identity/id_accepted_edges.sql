-- The links that may join profiles into one customer, strongest first: one source account (3),
-- other exact rules (2), the model's medium tier (1), ties broken by match probability.
with

final as (
  select
    pid_l,
    pid_r,
    max(case when match_rule like 'same % customer account' then 3 when tier = 'exact' then 2 else 1 end)::tinyint
      as strength,
    max(match_probability) as match_probability
  from id_links
  where accepted and pid_l <> pid_r
  group by pid_l, pid_r
)

select * from final
