-- Each given name with the formal names it can stand for, itself included: bob → bob, robert;
-- robert → robert. Two first names are nickname-equivalent when their forms meet (Bob, Rob: Robert).
-- A given name of the input that the list does not hold, one keystroke from a name it does, stands
-- for that name's formal names too (Jcnny, Margret, Exekiel): a slip in a nickname or a formal name
-- is as common as in any name, and without this a slipped nickname meets its formal name as two
-- plainly different names. Names of three letters or fewer are left out: one edit there makes
-- another name (Jan, Jon), not a slip of it.
with

nicknames as (
  select lower(trim(formal_name)) as formal_name, lower(trim(nickname)) as nickname from seed_nicknames
),

listed as (
  select formal_name as name, formal_name as formal_name from nicknames
  union
  select nickname as name, formal_name from nicknames
),

listed_names as (
  select distinct name from listed
),

-- Given names of the input the list does not hold: a few thousand distinct at a million records.
unlisted as (
  select distinct name
  from (select fn as name from id_parsed_names union all select pf from id_parsed_names) as n
  where length(name) >= 4 and not exists (select 1 from listed_names as l where l.name = n.name)
),

-- Each name with every one-letter deletion of it: two names one edit apart (a letter changed,
-- added, dropped or two swapped) share a key here, so the edit distance is computed only on them.
deletions as (
  select name, name as key from listed_names where length(name) >= 3
  union all
  select name, name[1:i - 1] || name[i + 1:] as key
  from listed_names, range(1, 21) as r(i)
  where length(name) >= 3 and i <= length(name)
),

unlisted_deletions as (
  select name, name as key from unlisted
  union all
  select name, name[1:i - 1] || name[i + 1:] as key
  from unlisted, range(1, 21) as r(i)
  where i <= length(name)
),

slipped as (
  select distinct u.name, l.name as listed_name
  from unlisted_deletions as u
  join deletions as l using (key)
  where damerau_levenshtein(u.name, l.name) = 1
),

final as (
  select name, formal_name from listed
  union
  select s.name, l.formal_name
  from slipped as s
  join listed as l on l.name = s.listed_name
)

select * from final
