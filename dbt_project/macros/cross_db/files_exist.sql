{#- Whether a glob of files matches any file (at execution time). DuckDB
    lists them; Spark SQL cannot list files, and reading a glob that matches
    nothing (or only files whose names start with '_', which Spark treats as
    hidden) is an error: the warehouse's runner (warehouse/paths.py) counts
    the run-log files for it in WAREHOUSE_RUNLOG_FILES. -#}
{% macro files_exist(glob) -%}
    {{ return(adapter.dispatch('files_exist', 'llm_usage_warehouse')(glob)) }}
{%- endmacro %}

{% macro default__files_exist(glob) -%}
    {%- set found = run_query("select count(*) from glob('" ~ glob ~ "')") -%}
    {{ return(found.columns[0].values()[0] > 0) }}
{%- endmacro %}

{% macro spark__files_exist(glob) -%}
    {{ return(env_var('WAREHOUSE_RUNLOG_FILES', '0') | int > 0) }}
{%- endmacro %}
