-- Pairwise and B-cubed quality of the predicted customers against a truth label per record, as
-- Splink's labels-column evaluation computes them: counts per (predicted, true) intersection,
-- never by enumerating pairs. Records without a label are left out.
with

labelled as (
  select customer_id, truth_label from {{resolved}} where truth_label is not null
),

cells as (
  select customer_id, truth_label, count(*)::double as n from labelled group by all
),

predicted as (
  select customer_id, sum(n) as n from cells group by customer_id
),

actual as (
  select truth_label, sum(n) as n from cells group by truth_label
),

bcubed as (
  select
    sum(c.n * c.n / p.n) / sum(c.n) as precision,
    sum(c.n * c.n / a.n) / sum(c.n) as recall
  from cells as c
  join predicted as p using (customer_id)
  join actual as a using (truth_label)
),

final as (
  select
    (select sum(n) from cells)::bigint as records,
    (select sum(n * (n - 1) / 2) from cells) as true_positive_pairs,
    (select sum(n * (n - 1) / 2) from predicted) as predicted_pairs,
    (select sum(n * (n - 1) / 2) from actual) as true_pairs,
    (select count(*) from predicted)::bigint as predicted_clusters,
    (select count(*) from actual)::bigint as true_clusters,
    b.precision as bcubed_precision,
    b.recall as bcubed_recall
  from bcubed as b
)

select * from final
