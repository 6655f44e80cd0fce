{#- The listed columns hold no NULL: one test per model in place of one
    not_null test per column (docs/architecture.md, "One not-null test per
    model"), so a build runs one query over the model, not one per column.
    A failure returns a row per column that holds NULLs, with how many. -#}
{% test not_null_columns(model, columns) %}

with

null_counts as (

    select
        {%- for col in columns %}
        sum(case when {{ col }} is null then 1 else 0 end) as nulls_{{ loop.index }}
        {%- if not loop.last %},{% endif %}
        {%- endfor %}
    from {{ model }}

),

by_column as (

    {%- for col in columns %}
    select
        '{{ col }}' as column_name,
        nulls_{{ loop.index }} as null_rows
    from null_counts
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}

)

select * from by_column
where null_rows > 0

{% endtest %}
