-- How many nodes changed label in the last round (zero: the components are final).
select count(*)::bigint as changed
from {{next}} as n
join {{labels}} as l using (node)
where n.label <> l.label
