-- One generation per ai_process_log row. RAG steps (model NULL) are kept: they
-- are calls that took time, even without a priced model.
with

logs as (

    select * from {{ ref('stg_ai_process_log__ai_process_logs') }}
    where quarantine_rule is null  -- set-aside rows: marts.quarantined_rows

),

chat_sessions as (

    select * from {{ ref('stg_ai_process_log__chat_sessions') }}

),

logs_joined_to_sessions as (

    select
        ----------  ids
        logs.source_name || ':ai_process_log:' || logs.log_key as generation_id,
        'ai_process_log' as source_system,
        logs.source_name,
        'ai_process_log' as source_table,
        logs.log_key as source_key,
        cast(null as {{ string_type() }}) as tenant_id,
        logs.source_name || ':' || chat_sessions.user_key as user_id,
        logs.source_name || ':' || logs.session_key as session_id,

        ---------- strings
        logs.node_name as operation,
        cast(null as {{ string_type() }}) as provider_raw,
        logs.model_raw,
        'success' as status,  -- the table has no error column
        cast(null as {{ string_type() }}) as error_message,
        case
            when logs.input_tokens is not null or logs.output_tokens is not null
                then 'columns'
        end as token_source,
        cast(null as {{ string_type() }}) as field_dialects,

        ---------- numerics
        logs.input_tokens,
        logs.output_tokens,
        cast(null as bigint) as cache_read_tokens,
        cast(null as bigint) as cache_creation_tokens,
        cast(null as bigint) as cache_write_1h_tokens,
        cast(null as bigint) as reasoning_tokens,
        cast(null as bigint) as reported_total_tokens,
        logs.latency_ms,
        cast(null as double) as time_to_first_token_ms,
        cast(null as double) as reported_cost_usd,

        ---------- booleans
        false as is_batch,
        false as has_dialect_conflict,

        ---------- timestamps
        logs.created_at as started_at,
        logs.loaded_at,

        ---------- bad input kept and flagged (docs/bad_input.md)
        logs.text_issues,
        logs.has_unparseable_json

    from logs
    left join chat_sessions
        on
            logs.source_name = chat_sessions.source_name
            and logs.session_key = chat_sessions.session_key

)

select * from logs_joined_to_sessions
