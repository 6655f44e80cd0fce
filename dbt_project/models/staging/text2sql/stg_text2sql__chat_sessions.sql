{{ incremental_staging('text2sql', 'chat_sessions') }}

with

source as (

    {{ latest_rows(landed('text2sql', 'chat_sessions'), ['id']) }}

),

renamed as (

    select
        ----------  ids
        _source_name as source_name,
        row_key,
        id as chat_session_key,
        user_id as user_key,

        ---------- strings
        title,

        ---------- numerics
        message_count,

        ---------- booleans
        is_active,

        ---------- timestamps
        {{ to_utc('created_at') }} as created_at,
        {{ to_utc('last_message_at') }} as last_message_at,
        _loaded_at as loaded_at,
        _load_id as load_id

    from source

)

select * from renamed
