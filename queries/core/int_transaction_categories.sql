-- One row per distinct payment description: its revenue category and sub-category.
-- The rules are data (queries/seeds/*_rules.csv). They match literally and case-insensitively, either
-- anywhere ('contains') or as whole words ('word'); the lowest priority number wins.
with

descriptions as (
    select distinct description, lower(description) as text
    from int_transaction_descriptions
    where description is not null
),

rules as (
    select
        priority,
        lower(keyword) as keyword,
        match,
        category
    from seed_category_rules
),

sub_rules as (
    select
        category,
        priority,
        lower(keyword) as keyword,
        match,
        sub_category
    from seed_sub_category_rules
),

-- A word match is a substring match first: the cheap test runs on every description and rule, the
-- regular expression (compiled per row, its pattern being data) only where the keyword occurs.
category_matches as (
    select
        d.description,
        r.category,
        r.keyword
    from descriptions as d
    inner join rules as r
        on contains(d.text, r.keyword)
        and case r.match
            when 'contains' then true
            when 'word' then regexp_matches(d.text, '(^|[^a-z0-9])' || regexp_escape(r.keyword) || '($|[^a-z0-9])')
        end
    qualify row_number() over (partition by d.description order by r.priority) = 1
),

categorised as (
    select
        d.description,
        d.text,
        coalesce(m.category, 'retail') as category,
        m.keyword as category_keyword
    from descriptions as d
    left join category_matches as m using (description)
),

sub_matches as (
    select
        c.description,
        s.sub_category
    from categorised as c
    inner join sub_rules as s
        on s.category = c.category
        and contains(c.text, s.keyword)
        and case s.match
            when 'contains' then true
            when 'word' then regexp_matches(c.text, '(^|[^a-z0-9])' || regexp_escape(s.keyword) || '($|[^a-z0-9])')
        end
    qualify row_number() over (partition by c.description order by s.priority) = 1
),

final as (
    select
        c.description,
        c.category,
        s.sub_category,
        c.category_keyword,
        contains(c.text, 'with gear') or contains(c.text, 'gear upgrade') as includes_gear
    from categorised as c
    left join sub_matches as s using (description)
)

select * from final
