-- The profiles of components that hold a cannot-link pair: only these go through the guard.
select c.node, c.label as component
from id_components as c
where c.label in (select component from id_cannot_links)
