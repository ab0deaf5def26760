-- Each given name with the formal names it can stand for, itself included: bob → bob, robert;
-- robert → robert. Two first names are nickname-equivalent when their forms meet (Bob, Rob: Robert).
with

nicknames as (
  select lower(trim(formal_name)) as formal_name, lower(trim(nickname)) as nickname from seed_nicknames
),

final as (
  select formal_name as name, formal_name as formal_name from nicknames
  union
  select nickname as name, formal_name from nicknames
)

select * from final
