{#- One row per day, `started_date`, from `start` up to (not including) `stop`
    (SQL date expressions). -#}
{% macro date_spine(start, stop) -%}
    {{ return(adapter.dispatch('date_spine', 'llm_usage_warehouse')(start, stop)) }}
{%- endmacro %}

{% macro default__date_spine(start, stop) -%}
    select cast(spine.day as date) as started_date
    from range(
        cast({{ start }} as timestamp),
        cast({{ stop }} as timestamp),
        interval 1 day
    ) as spine (day)
{%- endmacro %}

{% macro spark__date_spine(start, stop) -%}
    select explode(sequence({{ start }}, date_sub({{ stop }}, 1))) as started_date
{%- endmacro %}
