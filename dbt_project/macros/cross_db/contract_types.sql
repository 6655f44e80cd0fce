{#- The marts' contracts name DuckDB's types (varchar, timestamp with time
    zone). dbt casts NULL to each declared type to check a contract; on
    Spark the same names are read as Spark's own: string, and timestamp (an
    instant in the session's time zone, UTC). -#}
{% macro spark__cast(field, type) -%}
    cast({{ field }} as {{ spark_type(type) }})
{%- endmacro %}

{% macro spark_type(type) -%}
    {%- set t = type | trim | lower -%}
    {%- set names = {
        'varchar': 'string',
        'text': 'string',
        'timestamp with time zone': 'timestamp',
        'timestamptz': 'timestamp',
    } -%}
    {{- names.get(t, type) -}}
{%- endmacro %}
