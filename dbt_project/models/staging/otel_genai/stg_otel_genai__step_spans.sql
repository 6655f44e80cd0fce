{{ incremental_staging('otel_genai', 'step_spans') }}

with

source as (

    {{ latest_rows(landed('otel_genai', 'step_spans'), ['record_key']) }}

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

        ---------- strings
        span_name,
        operation_name,
        agent_name,
        tool_name,
        workflow_name,
        data_source_id,
        status_code,
        {{ repaired_text('status_message') }} as status_message,
        error_type,
        tenant,
        service_name,
        conversation_id,
        user_id,
        dialect,

        ---------- numerics
        {{ millis_between('start_time', 'end_time') }} as duration_ms,

        ---------- timestamps
        start_time as started_at,
        end_time as ended_at,
        _loaded_at as loaded_at,
        _load_id as load_id

    from source

)

select * from renamed
