{{ incremental_staging('trip_planner', 'workflows') }}

with

source as (

    {{ latest_rows(landed('trip_planner', 'workflows'), ['id']) }}

),

renamed as (

    select
        ----------  ids
        _source_name as source_name,
        row_key,
        cast(id as {{ string_type() }}) as workflow_key,
        cast(user_id as {{ string_type() }}) as user_key,

        ---------- strings
        status as workflow_status,
        user_input,
        input_type,
        time_settings,
        date_theme,
        user_intent,
        final_itinerary,

        ---------- numerics
        search_radius,

        ---------- timestamps
        {{ to_utc('created_at') }} as created_at,
        {{ to_utc('updated_at') }} as updated_at,
        {{ to_utc('completed_at') }} as completed_at,
        _loaded_at as loaded_at,
        _load_id as load_id

    from source

)

select * from renamed
