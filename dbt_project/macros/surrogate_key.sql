{#- md5 of the listed columns, NULL-safe (dbt_utils' generate_surrogate_key, which we
    cannot download). -#}
{% macro surrogate_key(columns) -%}
    md5(
        {%- for col in columns %}
        coalesce({{ as_text(col) }}, '_null_')
        {%- if not loop.last %} || '|' ||{% endif %}
        {%- endfor %}
    )
{%- endmacro %}
