with

source as (

    {{ latest_rows(source('ai_process_log', 'ai_process_log'), ['id']) }}

),

renamed as (

    select
        ----------  ids
        _source_name as source_name,
        cast(id as varchar) as log_key,
        session_id as session_key,

        ---------- strings
        node_name,
        model as model_raw,

        ---------- numerics
        token_input as input_tokens,
        token_output as output_tokens,
        cast(latency_ms as double) as latency_ms,

        ---------- timestamps
        -- created_at is naive Korean time (get_kst_now()); read in the source's
        -- zone
        {{ to_utc('created_at') }} as created_at,
        _loaded_at as loaded_at

    from source

)

select * from renamed
