-- The run-log files as warehouse/nightly.py writes them. Before the first
-- nightly refresh there is no file at all (`make build` alone), so the model
-- then reads nothing, typed, instead of failing on an empty glob. A view
-- (staging models are tables otherwise): marts.refresh_runs must list the
-- refresh that is running, whose file is written after its dbt build (before
-- its reports, and again at its end).
{{ config(materialized='view') }}
{%- set runlog_glob = env_var('WAREHOUSE_DATA_DIR', '../data')
    ~ '/runlog/*.parquet' %}
{%- set has_files = true %}
{%- if execute %}
    {%- set has_files = files_exist(runlog_glob) %}
{%- endif %}

with

source as (

    {% if has_files %}
        select * from {{ source('runlog', 'refresh_runs') }}
    {% else %}
        -- depends_on: {{ source('runlog', 'refresh_runs') }}
        select
            cast(null as {{ string_type() }}) as refresh_id,
            cast(null as {{ string_type() }}) as scope,
            cast(null as {{ string_type() }}) as source_name,
            cast(null as {{ string_type() }}) as source_system,
            cast(null as {{ string_type() }}) as step,
            cast(null as {{ timestamptz_type() }}) as started_at,
            cast(null as {{ timestamptz_type() }}) as finished_at,
            cast(null as bigint) as rows_read,
            cast(null as bigint) as rows_landed,
            cast(null as bigint) as rows_set_aside,
            cast(null as bigint) as models_built,
            cast(null as {{ string_type() }}) as status,
            cast(null as {{ string_type() }}) as error,
            cast(null as {{ string_type() }}) as load_id,
            cast(null as {{ string_type() }}) as step_name
        where false
    {% endif %}

),

renamed as (

    select
        ----------  ids
        refresh_id,
        load_id,

        ---------- strings
        scope,
        source_name,
        source_system,
        step_name,
        step as failed_step,
        status,
        error as error_message,

        ---------- numerics
        rows_read,
        rows_landed,
        rows_set_aside,
        models_built,

        ---------- timestamps
        started_at,
        finished_at

    from source

)

select * from renamed
