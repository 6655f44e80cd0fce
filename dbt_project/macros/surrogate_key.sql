{#- md5 of the listed columns, NULL-safe (dbt_utils' generate_surrogate_key, which we
    cannot download). -#}
{% macro surrogate_key(columns) -%}
    md5(
        {%- for col in columns %}
        coalesce(cast({{ col }} as varchar), '_null_')
        {%- if not loop.last %} || '|' ||{% endif %}
        {%- endfor %}
    )
{%- endmacro %}
