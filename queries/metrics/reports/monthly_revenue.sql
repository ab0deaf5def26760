-- Net revenue by category for the last 12 complete months before $as_of: the month in progress is
-- left out, so a partial month never reads as a drop. Refunds count on their own date, in their
-- sale's category.
with

months as (
    select (date_trunc('month', $as_of::date) - to_months(k))::date as month_start
    from range(1, 13) as t(k)
),

final as (
    select
        m.month_start,
        t.category,
        sum(t.amount)::double as net_revenue
    from months as m
    join transactions as t
        on t.local_date >= m.month_start and t.local_date < m.month_start + interval 1 month
    group by all
)

select * from final
order by month_start, category
