-- Coverage of the customer profiles: how many customers have each contact field, and how many are
-- seen in more than one source.
select
    count(*)::bigint as customers,
    count(email)::bigint as with_email,
    count(phone)::bigint as with_phone,
    count(birth_date)::bigint as with_birth_date,
    count(*) filter (where len(sources) > 1)::bigint as in_several_sources
from customer_master
