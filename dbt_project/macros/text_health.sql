{#- Text health (docs/bad_input.md; ingest/text_health.py): a text column as
    repaired at
    ingest where it held mojibake, else as the source gave it. -#}
{% macro repaired_text(column) -%}
    coalesce(
        {{ json_text('_text_repaired', column) }}, {{ adapter.quote(column) }}
    )
{%- endmacro %}


{#- Whether any of a row's JSON columns holds text that does not parse (kept:
    the parsed value is NULL, the row is flagged). -#}
{% macro has_unparseable_json(columns) -%}
    {%- if columns -%}
        (
            {%- for c in columns %}
                ({{ adapter.quote(c) }} is not null and not {{ is_json(adapter.quote(c)) }})
                {%- if not loop.last %} or{% endif %}
            {%- endfor %}
        )
    {%- else -%}
        false
    {%- endif -%}
{%- endmacro %}


{#- A string that holds only spaces says nothing: NULL (e.g. a model name of
    '  ' is no model: kept, cost NULL; docs/bad_input.md). -#}
{% macro blank_as_null(column) -%}
    case when trim({{ column }}) = '' then null else {{ column }} end
{%- endmacro %}
