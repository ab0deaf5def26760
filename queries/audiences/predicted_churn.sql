-- One row per customer in the audience "predicted_churn": members the churn model expects to leave within 90 days.
-- The rule predicted_churn's open flag at the run's day, less customers sent an offer in the last 30 days (offer_sent_recently).
with

flags as (
    select customer_id, flag_date, flag_details
    from customer_flags
    where flag_type = 'predicted_churn' and $as_of::date is not null
),

recently_offered as (
    select customer_id
    from customer_flags
    where flag_type = 'offer_sent_recently'
),

final as (
    select
        f.customer_id,
        f.flag_details ->> 'experiment_id' as experiment_id,
        f.flag_details ->> 'ab_group' as ab_group,
        f.flag_date as flagged_on
    from flags as f
    anti join recently_offered as r using (customer_id)
)

select * from final
