-- Each profile with the term frequencies of its first name, surname and city: the share of
-- profiles carrying that value, so agreeing on a common value weighs less than on a rare one.
with

profiles as (
  select * from id_profiles
),

fn_freq as (
  select fn, count(*) / sum(count(*)) over () as tf_fn from profiles where fn is not null group by fn
),

ln_freq as (
  select ln, count(*) / sum(count(*)) over () as tf_ln from profiles where ln is not null group by ln
),

city_freq as (
  select city, count(*) / sum(count(*)) over () as tf_city from profiles where city is not null group by city
),

final as (
  select p.*, f.tf_fn, l.tf_ln, c.tf_city
  from profiles as p
  left join fn_freq as f using (fn)
  left join ln_freq as l using (ln)
  left join city_freq as c using (city)
)

select * from final
