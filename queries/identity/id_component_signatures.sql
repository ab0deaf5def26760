-- The profiles of every component of more than one, with a signature of what can make two people
-- out of them (names, suffix, birth dates, household hints): conflicts are looked for between the
-- few distinct signatures of a component, not between all its profiles.
with

components as (
  select label from id_components group by label having count(*) > 1
),

members as (
  select c.label as component, p.*
  from id_components as c
  join id_profiles as p on p.profile_id = c.node
  where c.label in (select label from components)
),

keyed as (
  select
    component,
    profile_id,
    concat_ws(
      chr(31),
      coalesce(fn, chr(0)), coalesce(pf, chr(0)), coalesce(ln, chr(0)), coalesce(suffix, chr(0)),
      coalesce(cast(dob as varchar), chr(0)), coalesce(cast(dob_alt as varchar), chr(0)),
      coalesce(cast(dob_year as varchar), chr(0)), coalesce(cast(dob_month as varchar), chr(0)),
      coalesce(array_to_string(household_hints, '|'), chr(0))
    ) as signature
  from members
),

final as (
  select component, profile_id, dense_rank() over (order by component, signature)::integer as signature_id
  from keyed
)

select * from final
