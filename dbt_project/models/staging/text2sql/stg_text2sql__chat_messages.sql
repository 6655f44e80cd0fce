{{ incremental_staging('text2sql', 'chat_messages') }}

with

source as (

    {{ latest_rows(landed('text2sql', 'chat_messages'), ['id']) }}

),

renamed as (

    select
        ----------  ids
        _source_name as source_name,
        row_key,
        id as chat_message_key,
        session_id as chat_session_key,
        query_id as query_key,

        ---------- strings
        message_type,
        content,
        sql_query,
        error_message,

        ---------- numerics
        sequence_number,

        ---------- timestamps
        {{ to_utc(adapter.quote('timestamp')) }} as sent_at,
        _loaded_at as loaded_at,
        _load_id as load_id,

        ---------- the generated SQL read with sqlglot (ingest/sql_facts.py)
        {{ sql_facts() }}

    from source

)

select * from renamed
