{#- Type names and literals that differ by engine: DuckDB's varchar and
    timestamptz are Spark's string and timestamp (a session-time-zone
    instant; the session is UTC). -#}
{% macro string_type() -%}
    {{ return(adapter.dispatch('string_type', 'llm_usage_warehouse')()) }}
{%- endmacro %}

{% macro default__string_type() -%}varchar{%- endmacro %}

{% macro spark__string_type() -%}string{%- endmacro %}


{% macro timestamptz_type() -%}
    {{ return(adapter.dispatch('timestamptz_type', 'llm_usage_warehouse')()) }}
{%- endmacro %}

{% macro default__timestamptz_type() -%}timestamptz{%- endmacro %}

{% macro spark__timestamptz_type() -%}timestamp{%- endmacro %}


{#- A UTC instant from text such as '2020-01-01 00:00:00+00'. -#}
{% macro timestamptz_literal(text) -%}
    {{ timestamptz_type() }} '{{ text }}'
{%- endmacro %}


{#- A value as text, the same text on both engines (ids are hashes of it,
    quarantined_rows shows it): DuckDB's cast to varchar; on Spark an
    instant gets DuckDB's '+00' suffix (the session is UTC) and a whole
    double DuckDB's '.0' instead of Spark's exponent ('1.0E8'). -#}
{% macro as_text(expr) -%}
    {{ return(adapter.dispatch('as_text', 'llm_usage_warehouse')(expr)) }}
{%- endmacro %}

{% macro default__as_text(expr) -%}
    cast({{ expr }} as varchar)
{%- endmacro %}

{% macro spark__as_text(expr) -%}
    case typeof({{ expr }})
        when 'timestamp' then cast({{ expr }} as string) || '+00'
        when 'double' then
            case
                when
                    cast({{ expr }} as double) = floor(cast({{ expr }} as double))
                    and abs(cast({{ expr }} as double)) < 1e15
                    then cast(cast(cast({{ expr }} as double) as bigint) as string) || '.0'
                else cast({{ expr }} as string)
            end
        else cast({{ expr }} as string)
    end
{%- endmacro %}
