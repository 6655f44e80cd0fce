-- One row per nightly refresh (scope = 'refresh'), per step of it (scope =
-- 'step') and per source of it (scope = 'source'). A view: it reads the
-- run-log files when queried, so the refresh that is running is listed as
-- soon as it has written its file (before its notebook reports).
-- rows_set_aside: the rows of the source's load in quarantined_rows now (a row
-- landed again later counts under the later load).
with

runs as (

    select * from {{ ref('stg_runlog__refresh_runs') }}

),

quarantined as (

    select * from {{ ref('quarantined_rows') }}

),

set_aside_per_load as (

    select
        source_name,
        load_id,
        count(*) as rows_set_aside
    from quarantined
    group by source_name, load_id

),

set_aside_per_source as (

    select
        runs.refresh_id,
        runs.source_name,
        coalesce(set_aside_per_load.rows_set_aside, 0) as rows_set_aside
    from runs
    left join set_aside_per_load
        on
            runs.source_name = set_aside_per_load.source_name
            and runs.load_id = set_aside_per_load.load_id
    where runs.scope = 'source'

),

set_aside_per_refresh as (

    select
        refresh_id,
        sum(rows_set_aside) as rows_set_aside
    from set_aside_per_source
    group by refresh_id

),

final as (

    select
        ----------  ids
        runs.refresh_id,
        runs.load_id,

        ---------- strings
        runs.scope,
        runs.source_name,
        runs.source_system,
        runs.step_name,
        runs.failed_step,
        runs.status,
        runs.error_message,

        ---------- numerics
        runs.rows_read,
        runs.rows_landed,
        case
            when runs.scope != 'step'
                then
                    cast(
                        coalesce(
                            set_aside_per_source.rows_set_aside,
                            set_aside_per_refresh.rows_set_aside,
                            0
                        ) as bigint
                    )
        end as rows_set_aside,
        runs.models_built,
        {{ seconds_between('runs.started_at', 'runs.finished_at') }}
            as duration_seconds,

        ---------- timestamps
        runs.started_at,
        runs.finished_at

    from runs
    left join set_aside_per_source
        on
            runs.refresh_id = set_aside_per_source.refresh_id
            and runs.source_name = set_aside_per_source.source_name
    left join set_aside_per_refresh
        on
            runs.refresh_id = set_aside_per_refresh.refresh_id
            and runs.scope = 'refresh'

)

select * from final
