{#- A list of exact, linearly interpolated percentiles (numpy's default method). -#}
{% macro exact_percentiles(column, fractions) -%}
    {{ return(adapter.dispatch('exact_percentiles')(column, fractions)) }}
{%- endmacro %}

{% macro default__exact_percentiles(column, fractions) -%}
    quantile_cont({{ column }}, [{{ fractions | join(', ') }}])
{%- endmacro %}

{% macro spark__exact_percentiles(column, fractions) -%}
    percentile({{ column }}, array({{ fractions | join(', ') }}))
{%- endmacro %}
