-- An example of the runner's contract: one select, values only as named parameters.
select
    id,
    name,
    joined_at
from example_customers
where joined_at >= $since::timestamptz
  and name ilike $name_like
order by id
