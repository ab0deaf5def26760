-- One row per sent Mailchimp campaign, with Mailchimp's own report of it: recipients, deliveries,
-- opens, clicks, unsubscribes. What the reports and the customer view read of a campaign.
with

campaigns as (
    select * from stg_mailchimp__campaigns
),

final as (
    select * exclude (sent_at_raw)
    from campaigns
)

select * from final
