-- One row per nightly refresh (scope = 'refresh') and per source of it
-- (scope = 'source'). A view: it reads the run-log files when queried, so the
-- refresh that is running is listed as soon as it has written its file.
{{ config(materialized='view') }}

with

runs as (

    select * from {{ ref('stg_runlog__refresh_runs') }}

),

final as (

    select
        ----------  ids
        refresh_id,
        load_id,

        ---------- strings
        scope,
        source_name,
        source_system,
        failed_step,
        status,
        error_message,

        ---------- numerics
        rows_read,
        rows_landed,
        rows_set_aside,
        models_built,
        extract(epoch from finished_at - started_at) as duration_seconds,

        ---------- timestamps
        started_at,
        finished_at

    from runs

)

select * from final
