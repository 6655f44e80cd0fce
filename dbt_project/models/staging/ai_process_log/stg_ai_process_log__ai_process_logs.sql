{{ incremental_staging('ai_process_log', 'ai_process_log') }}

with

source as (

    {{ newest_load_rows(landed('ai_process_log', 'ai_process_log'), ['id']) }}

),

renamed as (

    select
        ----------  ids
        _source_name as source_name,
        row_key,
        cast(id as {{ string_type() }}) as log_key,
        session_id as session_key,

        ---------- strings
        node_name,
        {{ blank_as_null("model") }} as model_raw,

        ---------- numerics
        token_input as input_tokens,
        token_output as output_tokens,
        cast(latency_ms as double) as latency_ms,

        ---------- timestamps
        -- created_at is naive Korean time (get_kst_now()); read in the source's
        -- zone
        {{ to_utc('created_at') }} as created_at,
        _loaded_at as loaded_at,
        _load_id as load_id,
        _key_rank as duplicate_rank,

        ---------- bad input kept or set aside (ingest/cast.py ROW_FIELDS)
        _unreadable as unreadable_values,
        _text_issues as text_issues,
        {{ has_unparseable_json([]) }} as has_unparseable_json

    from source

),

checked as (

    -- a row whose counted facts cannot be true or placed is set aside
    -- (docs/warehouse.md, "Bad input")
    -- (quarantined_rows), everything else is kept
    select
        *,
        {{ call_quarantine_rule(
            'log_key', 'created_at',
            tokens=['input_tokens', 'output_tokens'],
            latency='latency_ms'
        ) }} as quarantine_rule,
        {{ call_offending_value(
            'log_key', 'created_at',
            tokens=['input_tokens', 'output_tokens'],
            latency='latency_ms'
        ) }} as offending_value
    from renamed

)

select * from checked
