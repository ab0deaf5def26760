-- One row per relation Capitan lists on a customer. `relation` says who the related person is to
-- the customer: CHI their child, PRE their parent, SIB their sibling; parent and child are spelled
-- out so the family graph never has to remember which way each code points.
-- record_id: relation_id
with

relations as (
    select record_id, payload
    from raw_capitan__relations
),

-- One parse per record: `->>` would parse the whole document again for every field.
unpacked as (
    select
        record_id,
        unnest(json_transform(payload, '{
            "customer_id": "VARCHAR",
            "related_customer_id": "VARCHAR",
            "relation": "VARCHAR",
            "related_customer_first_name": "VARCHAR",
            "related_customer_last_name": "VARCHAR",
            "created_at": "VARCHAR"
        }'))
    from relations
),

renamed as (
    select
        -- Capitan gives a relation no id of its own: the fetch names it <customer>:<related>:<relation>.
        record_id as relation_id,
        customer_id,
        related_customer_id,
        upper(trim(relation)) as relation,
        trim(related_customer_first_name) as related_first_name,
        trim(related_customer_last_name) as related_last_name,
        created_at as created_at_raw
    from unpacked
),

final as (
    select
        relation_id,
        customer_id,
        related_customer_id,
        relation,
        case relation when 'CHI' then 'parent_child' when 'PRE' then 'parent_child' when 'SIB' then 'sibling' end
            as relationship,
        case relation when 'CHI' then customer_id when 'PRE' then related_customer_id end as parent_customer_id,
        case relation when 'CHI' then related_customer_id when 'PRE' then customer_id end as child_customer_id,
        related_first_name,
        related_last_name,
        timezone($time_zone, try_strptime(created_at_raw, ['%Y-%m-%dT%H:%M:%S.%f', '%Y-%m-%dT%H:%M:%S', '%Y-%m-%d %H:%M:%S.%f', '%Y-%m-%d %H:%M:%S']))
            as created_at,
        created_at_raw
    from renamed
)

select * from final
