-- One row per customer in the audience "purchase_without_account": bought without a Capitan account: a "create your account" nudge.
-- The rule purchase_without_account's open flag at the run's day.
with

flags as (
    select customer_id, flag_date, flag_details
    from customer_flags
    where flag_type = 'purchase_without_account' and $as_of::date is not null
),

final as (
    select
        f.customer_id,
        f.flag_details ->> 'experiment_id' as experiment_id,
        f.flag_details ->> 'ab_group' as ab_group,
        f.flag_date as flagged_on
    from flags as f
)

select * from final
