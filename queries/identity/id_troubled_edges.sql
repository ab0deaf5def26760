-- The accepted links inside components that hold a cannot-link pair.
select e.pid_l, e.pid_r, e.strength, e.match_probability
from id_accepted_edges as e
join id_components as c on c.node = e.pid_l
where c.label in (select component from id_cannot_links)
