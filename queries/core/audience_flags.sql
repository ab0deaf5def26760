-- materialized: view
-- One row per open flag (core/customer_flags, written by the rules step) that an audience may
-- reference (queries/audiences/<name>.json): the rule, its experiment and group, the day it holds for,
-- and whether the customer has an open offer_sent_recently flag, the exclusion offer audiences apply.
with

recently_offered as (
    select distinct customer_id
    from customer_flags
    where flag_type = 'offer_sent_recently'
),

final as (
    select
        f.customer_id,
        f.flag_type,
        f.flag_details ->> 'experiment_id' as experiment_id,
        f.flag_details ->> 'ab_group' as ab_group,
        f.flag_date as flagged_on,
        r.customer_id is not null as recently_offered
    from customer_flags as f
    left join recently_offered as r using (customer_id)
)

select * from final
