-- Which kinds of offer work: metrics/offer_conversion pooled by offer type (campaigns without an
-- offer as 'none', templates not yet analysed as 'unknown'). Rates are pooled over people, not
-- averaged over campaigns; lift_points = (conversion_rate − comparison_rate) × 100.
with

campaigns as (
    select * from offer_conversion
),

grouped as (
    select
        case
            when has_offer is null then 'unknown'
            when not has_offer then 'none'
            else coalesce(offer_type, 'other')
        end as offer_type,
        count(*) as campaigns,
        sum(recipients) as recipients,
        sum(matched_recipients) as matched_recipients,
        sum(opens) as opens,
        sum(clicks) as clicks,
        sum(converters) as converters,
        sum(comparison_customers) as comparison_customers,
        sum(comparison_converters) as comparison_converters,
        sum(promo_redemptions) as promo_redemptions,
        sum(promo_revenue) as promo_revenue
    from campaigns
    group by all
),

final as (
    select
        *,
        converters / nullif(matched_recipients, 0) as conversion_rate,
        comparison_converters / nullif(comparison_customers, 0) as comparison_rate,
        round(
            100 * (
                converters / nullif(matched_recipients, 0) - comparison_converters / nullif(comparison_customers, 0)
            ),
            3
        ) as lift_points
    from grouped
)

select * from final
order by lift_points desc nulls last
