{{ incremental_staging('trip_planner', 'nodes') }}

with

source as (

    {{ latest_rows(landed('trip_planner', 'nodes'), ['id']) }}

),

renamed as (

    select
        ----------  ids
        _source_name as source_name,
        row_key,
        cast(id as {{ string_type() }}) as node_key,
        cast(workflow_id as {{ string_type() }}) as workflow_key,

        ---------- strings
        node_name,
        node_type,
        status as node_status,
        error_message,

        ---------- numerics
        execution_order,
        cast(duration_ms as double) as duration_ms,

        ---------- timestamps
        {{ to_utc('started_at') }} as started_at,
        {{ to_utc('completed_at') }} as completed_at,
        _loaded_at as loaded_at,
        _load_id as load_id

    from source

)

select * from renamed
