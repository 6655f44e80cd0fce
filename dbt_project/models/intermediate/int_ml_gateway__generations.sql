-- One generation per chat_logs row; a non-NULL error marks a failed call. The
-- gateway logs no tokens, so tokens and cost are NULL (no estimate is made).
with

chat_logs as (

    select * from {{ ref('stg_ml_gateway__chat_logs') }}
    where quarantine_rule is null  -- set-aside rows: marts.quarantined_rows

),

calls as (

    select
        ----------  ids
        source_name || ':chat_logs:' || chat_log_key as generation_id,
        'ml_gateway' as source_system,
        source_name,
        'chat_logs' as source_table,
        chat_log_key as source_key,
        cast(null as {{ string_type() }}) as tenant_id,
        cast(null as {{ string_type() }}) as user_id,
        cast(null as {{ string_type() }}) as session_id,

        ---------- strings
        'chat' as operation,
        cast(null as {{ string_type() }}) as provider_raw,
        model_raw,
        case when error_message is null then 'success' else 'error' end
            as status,
        error_message,
        cast(null as {{ string_type() }}) as token_source,
        cast(null as {{ string_type() }}) as field_dialects,

        ---------- numerics
        cast(null as bigint) as input_tokens,
        cast(null as bigint) as output_tokens,
        cast(null as bigint) as cache_read_tokens,
        cast(null as bigint) as cache_creation_tokens,
        cast(null as bigint) as cache_write_1h_tokens,
        cast(null as bigint) as reasoning_tokens,
        cast(null as bigint) as reported_total_tokens,
        latency_ms,
        cast(null as double) as time_to_first_token_ms,
        cast(null as double) as reported_cost_usd,

        ---------- booleans
        false as is_batch,
        false as has_dialect_conflict,

        ---------- timestamps
        created_at as started_at,
        loaded_at,

        ---------- bad input kept and flagged (docs/bad_input.md)
        text_issues,
        has_unparseable_json

    from chat_logs

)

select * from calls
