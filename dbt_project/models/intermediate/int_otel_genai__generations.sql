-- One generation per model-call span of an OpenTelemetry-instrumented app. A
-- call failed when its span status is STATUS_CODE_ERROR or it carries
-- error.type; the session is gen_ai.conversation.id, else the trace.
with

llm_spans as (

    select * from {{ ref('stg_otel_genai__llm_spans') }}
    where quarantine_rule is null  -- set-aside rows: marts.quarantined_rows

),

calls as (

    select
        ----------  ids
        source_name || ':llm_spans:' || span_record_key as generation_id,
        'otel_genai' as source_system,
        source_name,
        'llm_spans' as source_table,
        span_record_key as source_key,
        tenant as tenant_id,
        source_name || ':' || user_id as user_id,
        source_name || ':' || coalesce(conversation_id, trace_id) as session_id,

        ---------- strings
        coalesce(operation_name, 'chat') as operation,
        provider_raw,
        model_raw,
        case
            when status_code = 'STATUS_CODE_ERROR' or error_type is not null
                then 'error'
            else 'success'
        end as status,
        case
            when status_code = 'STATUS_CODE_ERROR' or error_type is not null
                then coalesce(status_message, error_type)
        end as error_message,
        case
            when input_tokens is not null or output_tokens is not null
                then 'span_attributes'
        end as token_source,
        -- the naming dialects the fields were read from (standard, openllmetry,
        -- ...: docs/sources/otel_genai.md)
        dialect as field_dialects,

        ---------- numerics
        input_tokens,
        output_tokens,
        cache_read_tokens,
        cache_creation_tokens,
        cast(null as bigint) as cache_write_1h_tokens,
        reasoning_tokens,
        total_tokens as reported_total_tokens,
        latency_ms,
        time_to_first_token_ms,
        reported_cost_usd,

        ---------- booleans
        false as is_batch,
        -- two dialects disagreed on a field: the standard's value is kept
        has_dialect_conflict,

        ---------- timestamps
        started_at,
        loaded_at,

        ---------- bad input kept and flagged (docs/bad_input.md)
        text_issues,
        has_unparseable_json

    from llm_spans

)

select * from calls
