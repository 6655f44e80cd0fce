{#- An integer inside a JSON text column, NULL when the text is not valid JSON or the
    path holds no integer (a broken redundant field never fails the build). -#}
{% macro json_bigint(column, path) -%}
    {{ return(adapter.dispatch('json_bigint')(column, path)) }}
{%- endmacro %}

{% macro default__json_bigint(column, path) -%}
    case
        when json_valid({{ column }})
            then try_cast(json_extract_string({{ column }}, '{{ path }}') as bigint)
    end
{%- endmacro %}

{% macro spark__json_bigint(column, path) -%}
    try_cast(get_json_object({{ column }}, '{{ path }}') as bigint)
{%- endmacro %}
