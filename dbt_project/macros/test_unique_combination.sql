{#- The listed columns are unique together: one row per combination. NULL-safe: NULLs
    compare equal, so two rows that differ only by which NULLs they hold still fail
    (dbt_utils' unique_combination_of_columns, which we cannot download). Returns the
    duplicated combinations. -#}
{% test unique_combination(model, combination_of_columns) %}

with

combinations as (

    select
        {%- for col in combination_of_columns %}
        coalesce(cast({{ col }} as {{ string_type() }}), '_null_') as {{ col }}
        {%- if not loop.last %},{% endif %}
        {%- endfor %}
    from {{ model }}

),

duplicated as (

    select
        {{ combination_of_columns | join(', ') }},
        count(*) as n_rows
    from combinations
    group by {{ combination_of_columns | join(', ') }}
    having count(*) > 1

)

select * from duplicated

{% endtest %}
