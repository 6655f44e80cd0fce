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
    {%- set found = run_query(
        "select count(*) from glob('" ~ runlog_glob ~ "')"
    ) %}
    {%- set has_files = found.columns[0].values()[0] > 0 %}
{%- endif %}

with

source as (

    {% if has_files %}
        select * from {{ source('runlog', 'refresh_runs') }}
    {% else %}
        -- depends_on: {{ source('runlog', 'refresh_runs') }}
        select
            null::varchar as refresh_id,
            null::varchar as scope,
            null::varchar as source_name,
            null::varchar as source_system,
            null::varchar as step,
            null::timestamptz as started_at,
            null::timestamptz as finished_at,
            null::bigint as rows_read,
            null::bigint as rows_landed,
            null::bigint as rows_set_aside,
            null::bigint as models_built,
            null::varchar as status,
            null::varchar as error,
            null::varchar as load_id,
            null::varchar as step_name
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
