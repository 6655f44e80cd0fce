{{ incremental_staging('otel_genai', 'llm_spans') }}
{#- a span without its end time cannot be placed either: missing_timestamp -#}
{%- set placed_at = '(case when ended_at is not null then started_at end)' %}
{%- set token_columns = [
    'input_tokens', 'output_tokens', 'cache_read_tokens',
    'cache_creation_tokens', 'reasoning_tokens'
] %}

with

source as (

    {{ newest_load_rows(landed('otel_genai', 'llm_spans'), ['record_key']) }}

),

renamed as (

    select
        ----------  ids
        _source_name as source_name,
        row_key,
        record_key as span_record_key,
        trace_id,
        span_id,
        parent_span_id,
        -- the key the set-aside rules check: NULL for a span without both ids;
        -- a line that could not be read keeps its file:line, so that its rule
        -- is unreadable_value
        case
            when
                (trace_id is not null and span_id is not null)
                or unreadable is not null
                then record_key
        end as span_key,

        ---------- strings
        source_file,
        span_name,
        span_kind,
        operation_name,
        {{ blank_as_null('provider') }} as provider_raw,
        -- the model that answered, else the one asked for
        coalesce(
            {{ blank_as_null('response_model') }},
            {{ blank_as_null('request_model') }}
        ) as model_raw,
        status_code,
        {{ repaired_text('status_message') }} as status_message,
        error_type,
        tenant,
        service_name,
        conversation_id,
        user_id,
        workflow_name,
        agent_name,
        dialect,
        dialect_conflicts,

        ---------- numerics
        source_line,
        input_tokens,
        output_tokens,
        cache_read_input_tokens as cache_read_tokens,
        cache_creation_input_tokens as cache_creation_tokens,
        reasoning_output_tokens as reasoning_tokens,
        total_tokens,
        reported_cost_usd,
        time_to_first_token_ms,
        -- negative when the span ends before it starts (set aside)
        {{ millis_between('start_time', 'end_time') }} as latency_ms,

        ---------- booleans
        dialect_conflicts is not null as has_dialect_conflict,

        ---------- timestamps
        start_time as started_at,
        end_time as ended_at,
        _loaded_at as loaded_at,
        _load_id as load_id,
        _key_rank as duplicate_rank,

        ---------- bad input kept or set aside (ingest/cast.py ROW_FIELDS)
        coalesce(unreadable, _unreadable) as unreadable_values,
        _text_issues as text_issues,
        false as has_unparseable_json

    from source

),

checked as (

    -- a row whose counted facts cannot be true or placed is set aside
    -- (docs/bad_input.md; quarantined_rows), everything else is kept
    select
        *,
        {{ call_quarantine_rule(
            'span_key', placed_at, tokens=token_columns, latency='latency_ms'
        ) }} as quarantine_rule,
        {{ call_offending_value(
            'span_key', placed_at, tokens=token_columns, latency='latency_ms'
        ) }} as offending_value
    from renamed

)

select * from checked
