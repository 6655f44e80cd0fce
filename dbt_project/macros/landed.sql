{#- Incremental staging (docs/nightly.md): a staging model of a table that the
    ingest reads with a cursor keeps one row per source key and, on an
    incremental run, reads only the landed files of loads it has not processed:
    files are named <load_id>.parquet, and the newest load_id the model holds
    per source is its watermark. Old files are not opened at all, not even
    their footers: the list of new files comes from a directory listing. -#}

{%- macro landing_root() -%}
    {{ env_var('WAREHOUSE_DATA_DIR', '../data') }}/landing
{%- endmacro %}


{#- The landed rows of a source table: all of them on a full build (the
    source), only the unprocessed loads' files on an incremental one. -#}
{% macro landed(system, table) -%}
    {%- set relation = source(system, table) -%}
    {#- unit tests render a model with no `this` -#}
    {%- if execute and this is not none and is_incremental() -%}
        {%- set files = unprocessed_files(system, table) -%}
        read_parquet(
            [{{ files | join(', ') }}],
            union_by_name = true, file_row_number = true
        )
    {%- else -%}
        {{ relation }}
    {%- endif -%}
{%- endmacro %}


{#- Quoted paths: the table's empty typed placeholder (so the list is never
    empty and has every landed column), then every file of a landed source
    whose load is newer than the newest this model holds for that source. -#}
{% macro unprocessed_files(system, table) -%}
    {%- set root = landing_root() ~ '/' ~ system -%}
    {%- set query -%}
        with

        landed as (

            select
                file,
                string_split(file, '/')[-3] as source_name,
                parse_filename(file, true) as load_id
            from glob('{{ root }}/*/{{ table }}/*.parquet')

        ),

        processed as (

            select
                source_name,
                max(load_id) as newest_load_id
            from {{ this }}
            group by source_name

        )

        select landed.file
        from landed
        left join processed on landed.source_name = processed.source_name
        where
            not starts_with(landed.source_name, '_')
            and (
                processed.newest_load_id is null
                or landed.load_id > processed.newest_load_id
            )
        order by landed.file
    {%- endset -%}
    {%- set files = run_query(query).columns[0].values() -%}
    {%- set quoted = ["'" ~ root ~ "/_empty/" ~ table ~ "/empty.parquet'"] -%}
    {%- for f in files -%}
        {%- do quoted.append("'" ~ f | replace("'", "''") ~ "'") -%}
    {%- endfor -%}
    {{ return(quoted) }}
{%- endmacro %}


{#- Pre-hook of an incremental staging model: the rows of sources that are no
    longer landed (parked: docs/ingest.md) leave it. -#}
{% macro drop_unlanded_sources(system, table) -%}
    {%- if execute and this is not none and is_incremental() -%}
        delete from {{ this }}
        where source_name not in (
            select string_split(file, '/')[-3]
            from glob('{{ landing_root() }}/{{ system }}/*/{{ table }}/*.parquet')
        )
    {%- endif -%}
{%- endmacro %}


{#- One text per source key (NULL keys share one), the unique_key of an
    incremental staging model: a newer load's rows of a key replace all the
    rows the model holds for it (delete+insert). -#}
{% macro row_key(key_columns) -%}
    _source_name
    {%- for col in key_columns %}
        || ':' || coalesce(cast({{ col }} as {{ string_type() }}), '')
    {%- endfor %}
{%- endmacro %}


{#- The config of an incremental staging model. On Spark a table, rebuilt from
    every landed file on each build (plain Parquet tables have no row-level
    delete+insert; docs/spark.md). -#}
{% macro incremental_staging(system, table) -%}
    {%- if target.type == 'spark' -%}
        {{ config(materialized='table') }}
    {%- else -%}
    {{ config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='row_key',
        on_schema_change='append_new_columns',
        pre_hook="{{ drop_unlanded_sources('" ~ system ~ "', '" ~ table ~ "') }}",
    ) }}
    {%- endif -%}
{%- endmacro %}
