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


{#- Whether the nightly refresh's data tests can be scoped to what it rebuilt
    (macros/nightly_tests.sql): its watermark tables are created with
    `create or replace table` in one multi-statement hook, which plain Parquet
    tables on Spark do not take. On Spark the nightly's tests read every row,
    as a full build's do. -#}
{% macro nightly_test_scope_supported() -%}
    {{ return(adapter.dispatch('nightly_test_scope_supported', 'llm_usage_warehouse')()) }}
{%- endmacro %}

{% macro default__nightly_test_scope_supported() -%}
    {{ return(true) }}
{%- endmacro %}

{% macro spark__nightly_test_scope_supported() -%}
    {{ return(false) }}
{%- endmacro %}
