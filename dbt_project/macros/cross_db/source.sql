{#- A source relation. On DuckDB: the source as dbt-duckdb reads it (its
    meta.external_location, a read_parquet over the landed files). On Spark
    the same files, read by path: the glob of that read_parquet, with the
    file_row_number column when it asks for one (Spark's hidden
    _metadata.row_index: the row's position in its file). -#}
{% macro source(source_name, table_name) -%}
    {%- set relation = builtins.source(source_name, table_name) -%}
    {{ return(adapter.dispatch('landed_source', 'llm_usage_warehouse')(relation, source_name, table_name)) }}
{%- endmacro %}

{% macro default__landed_source(relation, source_name, table_name) -%}
    {{ return(relation) }}
{%- endmacro %}

{% macro spark__landed_source(relation, source_name, table_name) -%}
    {#- not executing, or a unit test (its inputs are fixtures): dbt's relation -#}
    {%- if not execute or 'sources' not in graph -%}{{ return(relation) }}{%- endif -%}
    {%- set node = graph.sources.values()
        | selectattr('source_name', 'equalto', source_name)
        | selectattr('name', 'equalto', table_name) | first -%}
    {%- if node is not defined or node is none -%}{{ return(relation) }}{%- endif -%}
    {%- set location = node.meta.get('external_location')
        or node.source_meta.get('external_location') -%}
    {%- if not location -%}{{ return(relation) }}{%- endif -%}
    {%- set path = modules.re.search("read_parquet\\('([^']+)'", location).group(1)
        | replace('{name}', table_name) -%}
    {%- if 'file_row_number' in location -%}
        {%- set read -%}
            (select *, _metadata.row_index as file_row_number from parquet.`{{ path }}`)
        {%- endset -%}
    {%- else -%}
        {%- set read -%}(select * from parquet.`{{ path }}`){%- endset -%}
    {%- endif -%}
    {{ return(read) }}
{%- endmacro %}
