-- Mailchimp's own report of each sent campaign: recipients, unique opens and clicks, newest first.
select
    campaign_id,
    coalesce(title, subject_line) as campaign_title,
    sent_local_date,
    emails_sent::bigint as recipients,
    unique_opens::bigint as opens,
    unique_subscriber_clicks::bigint as clicks
from email_campaigns
where sent_at is not null
order by sent_at desc
