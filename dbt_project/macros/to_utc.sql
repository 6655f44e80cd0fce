{#- A naive source timestamp read in the source's time zone, as a UTC instant.
    tz_column holds an IANA zone name per row (_source_timezone, from sources.toml). -#}
{% macro to_utc(ts_column, tz_column='_source_timezone') -%}
    {{ return(adapter.dispatch('to_utc')(ts_column, tz_column)) }}
{%- endmacro %}

{% macro default__to_utc(ts_column, tz_column) -%}
    timezone({{ tz_column }}, {{ ts_column }})
{%- endmacro %}

{% macro spark__to_utc(ts_column, tz_column) -%}
    to_utc_timestamp({{ ts_column }}, {{ tz_column }})
{%- endmacro %}
