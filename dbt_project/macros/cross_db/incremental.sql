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
