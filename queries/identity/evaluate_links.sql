-- Precision of the links of each tier against the truth label: the share of links whose two
-- records belong to one true person (links with an unlabelled end are left out).
with

links as (
  select * from {{links}}
),

labelled as (
  select l.tier, l.accepted, tl.truth_label = tr.truth_label as correct
  from links as l
  join {{resolved}} as tl on tl.record_id = l.record_id_l
  join {{resolved}} as tr on tr.record_id = l.record_id_r
  where tl.truth_label is not null and tr.truth_label is not null
),

final as (
  select
    tier,
    accepted,
    count(*)::bigint as links,
    count(*) filter (where correct)::bigint as correct_links,
    avg(correct::integer) as precision
  from labelled
  group by tier, accepted
)

select * from final order by tier, accepted
