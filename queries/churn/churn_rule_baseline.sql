-- The visit-decline rule that `ChurnRisk` was before the learned score (issue 19), kept as the
-- baseline the churn backtest compares the model with: one row per member at $as_of whose visits over
-- the last $recent_days days fell to at most $max_ratio times the rate of the $baseline_days days
-- before, where they had visited at least $min_baseline_visits times, on a running, unfrozen
-- membership that covered the whole period.
with

windows as (
    select
        $as_of::date as as_of,
        $as_of::date - $recent_days::integer + 1 as recent_from,
        $as_of::date - $recent_days::integer - $baseline_days::integer + 1 as baseline_from
),

memberships as (
    select m.*
    from customer_memberships as m, windows as w
    where m.started_on <= w.as_of and (m.ended_on is null or m.ended_on > w.baseline_from)
),

members as (
    select m.customer_id, arg_max(m.membership_name, m.started_on) as membership_name
    from memberships as m, windows as w
    group by m.customer_id
    having min(m.started_on) <= min(w.baseline_from)
       and bool_or(m.ended_on is null or m.ended_on > w.as_of)
       and not bool_or(len(list_filter(
           m.freezes,
           lambda f: f.frozen_on <= w.as_of and f.frozen_until > w.baseline_from
       )) > 0)
),

visit_days as (
    select distinct e.customer_id, e.event_local_date as visited_on
    from customer_events as e, windows as w
    where e.event_type = 'checkin'
      and e.event_local_date between w.baseline_from and w.as_of
      and e.customer_id in (select customer_id from members)
),

counts as (
    select
        v.customer_id,
        count(*) filter (where v.visited_on >= w.recent_from) as recent_visits,
        count(*) filter (where v.visited_on < w.recent_from) as baseline_visits,
        max(v.visited_on) as last_visit_on
    from visit_days as v, windows as w
    group by v.customer_id
),

final as (
    select
        c.customer_id,
        $as_of::date as flag_date,
        json_object(
            'recent_visits', c.recent_visits,
            'baseline_visits', c.baseline_visits,
            'expected_recent_visits',
                round(c.baseline_visits * $recent_days::integer / $baseline_days::integer, 1),
            'last_visit_date', c.last_visit_on,
            'membership_name', m.membership_name,
            'description', 'Visited ' || c.recent_visits || ' times in the last ' || $recent_days::integer
                || ' days against ' || c.baseline_visits || ' in the ' || $baseline_days::integer || ' before'
        ) as flag_details
    from counts as c
    inner join members as m using (customer_id)
    where c.baseline_visits >= $min_baseline_visits::integer
      and c.recent_visits * $baseline_days::integer
          <= $max_ratio::double * c.baseline_visits * $recent_days::integer
)

select * from final
