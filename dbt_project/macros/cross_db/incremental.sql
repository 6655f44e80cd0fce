{#- dbt-spark's check of an incremental strategy, with one addition: the
    project's day-keyed marts ask for delete+insert of their rebuilt days; on
    Spark's plain Parquet tables (no row-level delete without Delta or
    Iceberg) that is insert_overwrite of the days' partitions, which needs
    the model partitioned by its day (partition_by, set for Spark in
    dbt_project.yml). -#}
{% macro dbt_spark_validate_get_incremental_strategy(raw_strategy, file_format) %}
    {%- set strategy = raw_strategy -%}
    {%- if raw_strategy == 'delete+insert' -%}
        {%- if not config.get('partition_by') -%}
            {%- do exceptions.raise_compiler_error(
                'delete+insert on Spark is insert_overwrite of day partitions: '
                ~ this ~ ' needs partition_by (dbt_project.yml)'
            ) -%}
        {%- endif -%}
        {%- set strategy = 'insert_overwrite' -%}
    {%- endif -%}
    {%- if strategy not in ['append', 'insert_overwrite', 'microbatch']
        and not (strategy == 'merge' and file_format in ['delta', 'iceberg', 'hudi']) -%}
        {%- do exceptions.raise_compiler_error(
            'Invalid incremental strategy for ' ~ file_format ~ ': ' ~ raw_strategy
        ) -%}
    {%- endif -%}
    {{ return(strategy) }}
{% endmacro %}


{#- The materialization of a model kept up to date by deleting rows: on a key
    (delete+insert of the rebuilt keys) or by a pre-hook's delete before an
    append. On Spark a table, rebuilt whole on each build: plain Parquet
    tables have no row-level delete, and these models have no day to
    overwrite partitions by (docs/spark.md). -#}
{% macro keyed_incremental() -%}
    {{ return(adapter.dispatch('keyed_incremental', 'llm_usage_warehouse')()) }}
{%- endmacro %}

{% macro default__keyed_incremental() -%}
    {{ return('incremental') }}
{%- endmacro %}

{% macro spark__keyed_incremental() -%}
    {{ return('table') }}
{%- endmacro %}


{#- The nightly tests' scratch tables (macros/nightly_tests.sql): DuckDB's
    own tables; plain Parquet tables on Spark. -#}
{% macro scratch_table_format() -%}
    {{ return(adapter.dispatch('scratch_table_format', 'llm_usage_warehouse')()) }}
{%- endmacro %}

{% macro default__scratch_table_format() -%}{%- endmacro %}

{% macro spark__scratch_table_format() -%}using parquet{%- endmacro %}


{#- `a semi join b on …`: the rows of a with a match in b, each once. -#}
{% macro semi_join() -%}
    {{ return(adapter.dispatch('semi_join', 'llm_usage_warehouse')()) }}
{%- endmacro %}

{% macro default__semi_join() -%}semi join{%- endmacro %}

{% macro spark__semi_join() -%}left semi join{%- endmacro %}
