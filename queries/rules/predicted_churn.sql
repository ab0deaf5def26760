-- Predicted churn: a member whose 90-day churn probability from the churn model (core/churn_scores,
-- written by the daily run's churn step for its own as-of date) is at least $min_probability. Only
-- the scores of $as_of itself are read: a past date the daily run did not score holds no flag.
with

scores as (
    select customer_id, as_of, probability, risk_band, reasons
    from churn_scores
    where as_of = $as_of::date
),

final as (
    select
        customer_id,
        as_of as flag_date,
        json_object(
            'probability', round(probability, 4),
            'risk_band', risk_band,
            'reasons', reasons,
            'description', 'Churn probability ' || round(probability * 100)::integer || '% within 90 days'
                || case when len(reasons) > 0 then ': ' || array_to_string(reasons, '; ') else '' end
        ) as flag_details
    from scores
    where probability >= $min_probability::double
)

select * from final
