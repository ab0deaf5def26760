-- materialized: view
-- One row per email address the resolver knows: the customer an event carrying only that address
-- belongs to. An address several customers share (a family's) goes to one of them, preferring an
-- adult, the customer holding it on the most records, then the lowest id, and is at most 'medium'.
with

identifiers as (
    select * from customer_identifiers
    where identifier_type = 'email'
),

customers as (
    select customer_id, coalesce(is_minor, false) as is_minor from customer_master
),

records as (
    select
        i.normalized_value as email,
        i.customer_id,
        i.is_shared,
        coalesce(c.confidence_rank, 3) as rank
    from identifiers as i
    left join int_record_confidence as c on c.record_id = i.source_record_id
),

holders as (
    select
        email,
        customer_id,
        count(*) as records,
        bool_or(is_shared) as is_shared,
        min(rank) as rank
    from records
    group by email, customer_id
),

ranked as (
    select
        h.*,
        count(*) over (partition by h.email) as customer_count,
        row_number() over (
            partition by h.email order by c.is_minor, h.records desc, h.customer_id
        ) as preference
    from holders as h
    left join customers as c using (customer_id)
),

final as (
    select
        email,
        customer_id,
        case
            when is_shared or customer_count > 1 then greatest(rank, 2)
            else rank
        end as confidence_rank,
        is_shared or customer_count > 1 as is_shared,
        customer_count
    from ranked
    where preference = 1
)

select * from final
