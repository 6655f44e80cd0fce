{{ incremental_whole_table('ai_process_log', 'chat_session') }}

with

source as (

    {{ latest_rows(
        replaced_landing('ai_process_log', 'chat_session'), ['session_id']
    ) }}

),

renamed as (

    select
        ----------  ids
        _source_name as source_name,
        session_id as session_key,
        user_id as user_key,

        ---------- strings
        title,

        ---------- timestamps
        {{ to_utc('created_at') }} as created_at,
        {{ to_utc('updated_at') }} as updated_at,
        _loaded_at as loaded_at,
        _load_id as load_id

    from source

)

select * from renamed
