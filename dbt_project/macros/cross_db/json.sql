{#- JSON helpers that differ by engine. -#}

{#- The text of a top-level key of a JSON object column; NULL when absent. -#}
{% macro json_text(column, key) -%}
    {{ return(adapter.dispatch('json_text', 'llm_usage_warehouse')(column, key)) }}
{%- endmacro %}

{% macro default__json_text(column, key) -%}
    json_extract_string({{ column }}, '$."{{ key }}"')
{%- endmacro %}

{% macro spark__json_text(column, key) -%}
    get_json_object({{ column }}, '$[''{{ key }}'']')
{%- endmacro %}


{#- Whether a text parses as JSON. -#}
{% macro is_json(column) -%}
    {{ return(adapter.dispatch('is_json', 'llm_usage_warehouse')(column)) }}
{%- endmacro %}

{% macro default__is_json(column) -%}
    json_valid({{ column }})
{%- endmacro %}

{% macro spark__is_json(column) -%}
    (try_parse_json({{ column }}) is not null)
{%- endmacro %}


{#- The text at a JSONPath of a JSON text column ('$.usage.service_tier'); NULL
    when the column is not valid JSON or the path is absent. -#}
{% macro json_path_text(column, path) -%}
    {{ return(adapter.dispatch('json_path_text', 'llm_usage_warehouse')(column, path)) }}
{%- endmacro %}

{% macro default__json_path_text(column, path) -%}
    case
        when json_valid({{ column }})
            then json_extract_string({{ column }}, '{{ path }}')
    end
{%- endmacro %}

{% macro spark__json_path_text(column, path) -%}
    get_json_object({{ column }}, '{{ path }}')
{%- endmacro %}
