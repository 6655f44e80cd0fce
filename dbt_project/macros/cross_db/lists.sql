{#- Array and text helpers that differ by engine. -#}

{#- The i-th element (1-based) of an array: DuckDB lists index from 1,
    Spark arrays from 0 (element_at is 1-based). -#}
{% macro list_at(array, i) -%}
    {{ return(adapter.dispatch('list_at', 'llm_usage_warehouse')(array, i)) }}
{%- endmacro %}

{% macro default__list_at(array, i) -%}{{ array }}[{{ i }}]{%- endmacro %}

{% macro spark__list_at(array, i) -%}element_at({{ array }}, {{ i }}){%- endmacro %}


{#- How many times a regular expression matches in a text (NULL for NULL).
    `pattern` is written as DuckDB reads it; Spark's string literals take a
    backslash as an escape, so it is doubled there. -#}
{% macro regexp_count(column, pattern) -%}
    {{ return(adapter.dispatch('regexp_count', 'llm_usage_warehouse')(column, pattern)) }}
{%- endmacro %}

{% macro default__regexp_count(column, pattern) -%}
    len(regexp_extract_all({{ column }}, '{{ pattern }}'))
{%- endmacro %}

{% macro spark__regexp_count(column, pattern) -%}
    cast(size(regexp_extract_all(
        {{ column }}, '{{ pattern | replace("\\", "\\\\") }}', 0
    )) as bigint)
{%- endmacro %}


{#- `as materialized` for a CTE read more than once (DuckDB computes it once);
    Spark has no such hint. -#}
{% macro materialized_cte() -%}
    {{ return(adapter.dispatch('materialized_cte', 'llm_usage_warehouse')()) }}
{%- endmacro %}

{% macro default__materialized_cte() -%}materialized{%- endmacro %}

{% macro spark__materialized_cte() -%}{%- endmacro %}


{#- Seconds from one instant to another, fractional. -#}
{% macro seconds_between(start, stop) -%}
    {{ return(adapter.dispatch('seconds_between', 'llm_usage_warehouse')(start, stop)) }}
{%- endmacro %}

{% macro default__seconds_between(start, stop) -%}
    epoch({{ stop }} - {{ start }})
{%- endmacro %}

{% macro spark__seconds_between(start, stop) -%}
    cast(unix_micros({{ stop }}) - unix_micros({{ start }}) as double) / 1000000.0
{%- endmacro %}


{#- A UTC instant's UTC date. -#}
{% macro utc_date(ts) -%}
    {{ return(adapter.dispatch('utc_date', 'llm_usage_warehouse')(ts)) }}
{%- endmacro %}

{% macro default__utc_date(ts) -%}
    cast(timezone('UTC', {{ ts }}) as date)
{%- endmacro %}

{% macro spark__utc_date(ts) -%}
    cast({{ ts }} as date)
{%- endmacro %}


{#- The distinct values of a text column, sorted, joined with ','. -#}
{% macro sorted_distinct_text(column) -%}
    {{ return(adapter.dispatch('sorted_distinct_text', 'llm_usage_warehouse')(column)) }}
{%- endmacro %}

{% macro default__sorted_distinct_text(column) -%}
    string_agg(distinct {{ column }}, ',' order by {{ column }})
{%- endmacro %}

{% macro spark__sorted_distinct_text(column) -%}
    array_join(array_sort(collect_set({{ column }})), ',')
{%- endmacro %}


{#- string_agg of `expr` with `separator` (a SQL literal), in the order of
    `order_by`. -#}
{% macro ordered_string_agg(expr, separator, order_by) -%}
    {{ return(adapter.dispatch('ordered_string_agg', 'llm_usage_warehouse')(expr, separator, order_by)) }}
{%- endmacro %}

{% macro default__ordered_string_agg(expr, separator, order_by) -%}
    string_agg({{ expr }}, {{ separator }} order by {{ order_by }})
{%- endmacro %}

{% macro spark__ordered_string_agg(expr, separator, order_by) -%}
    string_agg({{ expr }}, {{ separator }}) within group (order by {{ order_by }})
{%- endmacro %}


{#- Milliseconds from one instant to another, a double to the microsecond
    (negative when `stop` is before `start`). -#}
{% macro millis_between(start, stop) -%}
    {{ return(adapter.dispatch('millis_between', 'llm_usage_warehouse')(start, stop)) }}
{%- endmacro %}

{% macro default__millis_between(start, stop) -%}
    (epoch_us({{ stop }}) - epoch_us({{ start }})) / 1000.0
{%- endmacro %}

{% macro spark__millis_between(start, stop) -%}
    cast(unix_micros({{ stop }}) - unix_micros({{ start }}) as double) / 1000.0
{%- endmacro %}


{#- Whether a text matches a regular expression, ignoring case. `pattern`: the
    expression's text, without quotes or backslashes (Spark's string literals
    would read a backslash as an escape). -#}
{% macro regexp_matches_ci(column, pattern) -%}
    {{ return(adapter.dispatch('regexp_matches_ci', 'llm_usage_warehouse')(column, pattern)) }}
{%- endmacro %}

{% macro default__regexp_matches_ci(column, pattern) -%}
    regexp_matches({{ column }}, '{{ pattern }}', 'i')
{%- endmacro %}

{% macro spark__regexp_matches_ci(column, pattern) -%}
    regexp_like({{ column }}, '(?i){{ pattern }}')
{%- endmacro %}


{#- Every match of a regular expression in a text replaced (NULL for NULL).
    `pattern` and `replacement` are written as DuckDB reads them; Spark
    replaces every match without a flag, and its string literals take a
    backslash as an escape, so it is doubled there. -#}
{% macro regexp_replace_all(column, pattern, replacement) -%}
    {{ return(adapter.dispatch('regexp_replace_all', 'llm_usage_warehouse')(
        column, pattern, replacement)) }}
{%- endmacro %}

{% macro default__regexp_replace_all(column, pattern, replacement) -%}
    regexp_replace({{ column }}, '{{ pattern }}', '{{ replacement }}', 'g')
{%- endmacro %}

{% macro spark__regexp_replace_all(column, pattern, replacement) -%}
    regexp_replace(
        {{ column }},
        '{{ pattern | replace("\\", "\\\\") }}',
        '{{ replacement | replace("\\", "\\\\") }}'
    )
{%- endmacro %}


{#- A number for every row of a select, unique within it, to join the rows on
    in place of a key of several text columns. DuckDB numbers them as they
    come (the CTE holding them must be materialized, materialized_cte, so
    every reference sees the same numbers); Spark needs an order, so it
    numbers them in the order of `order_by` (the row's key, to be the same on
    every evaluation of an inlined CTE). -#}
{% macro row_ids(order_by) -%}
    {{ return(adapter.dispatch('row_ids', 'llm_usage_warehouse')(order_by)) }}
{%- endmacro %}

{% macro default__row_ids(order_by) -%}row_number() over (){%- endmacro %}

{% macro spark__row_ids(order_by) -%}
    row_number() over (order by {{ order_by | join(', ') }})
{%- endmacro %}
