{#- The facts of generated SQL that ingest/sql_facts.py landed beside it
    (sqlglot, at landing time), renamed without their underscore. -#}
{% macro sql_facts() -%}
    _sql_parses as sql_parses,
    _sql_parse_error as sql_parse_error,
    _sql_statements as sql_statements,
    _sql_statement_kind as sql_statement_kind,
    _sql_is_destructive as sql_is_destructive,
    _sql_tables as sql_tables,
    _sql_columns as sql_columns,
    _sql_joins as sql_joins,
    _sql_subqueries as sql_subqueries
{%- endmacro %}
