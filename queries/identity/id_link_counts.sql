-- Links per tier; accepted-tier links the guard refused are counted apart.
select
  tier || case when tier in ('exact', 'medium') and not joins then ' (refused)' else '' end as tier,
  count(*)::bigint as n
from id_final_links
group by all
order by 1
