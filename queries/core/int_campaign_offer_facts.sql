-- materialized: view
-- Each campaign's offer as the pipeline may count it: an offer whose plausibility checks failed
-- (offer_status needs_review, the reasons in offer_review_reason) is not a fact, so it reads as
-- unknown, has_offer null and no offer fields, exactly like a template not yet analysed. Events,
-- rules, churn features, offer conversion and promo-code attribution read offers only from here.
select
    * replace (
        case when offer_status = 'needs_review' then null else has_offer end as has_offer,
        case when offer_status = 'needs_review' then null else offer_type end as offer_type,
        case when offer_status = 'needs_review' then null else offer_amount end as offer_amount,
        case when offer_status = 'needs_review' then null else offer_code end as offer_code,
        case when offer_status = 'needs_review' then null else offer_expires end as offer_expires,
        case when offer_status = 'needs_review' then null else offer_description end as offer_description
    )
from campaign_offers
