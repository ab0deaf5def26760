-- materialized: view
-- One row per resolved source record, with its kind (`capitan:customer`) and source id apart so
-- events join on their raw ids: its customer, household, and how surely the record belongs to
-- that customer, as the timeline grades it: exact, medium or low, ranked 1 to 3 so the weakest step
-- of a chain is the greatest rank. The resolver may grade a record with a word or with a probability
-- beside its match tier; both read the same here.
with

resolved as (
    select * from resolved_records
),

graded as (
    select
        record_id,
        customer_id,
        household_id,
        case
            when lower(confidence::varchar) in ('exact', 'medium', 'low') then lower(confidence::varchar)
            when match_tier in ('exact', 'single') then 'exact'
            when match_tier = 'medium' then 'medium'
            else 'low'
        end as confidence
    from resolved
    where customer_id is not null
),

final as (
    select
        record_id,
        split_part(record_id, ':', 1) || ':' || split_part(record_id, ':', 2) as record_kind,
        substr(record_id, length(split_part(record_id, ':', 1) || ':' || split_part(record_id, ':', 2)) + 2)
            as source_id,
        customer_id,
        household_id,
        confidence,
        case confidence when 'exact' then 1 when 'medium' then 2 else 3 end as confidence_rank
    from graded
)

select * from final
