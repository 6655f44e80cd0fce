{{ incremental_staging('ml_gateway', 'chat_logs') }}

with

source as (

    {{ newest_load_rows(landed('ml_gateway', 'chat_logs'), ['id']) }}

),

renamed as (

    select
        ----------  ids
        _source_name as source_name,
        row_key,
        id as chat_log_key,

        ---------- strings
        {{ blank_as_null("model") }} as model_raw,
        {{ repaired_text('prompt') }} as prompt,
        {{ repaired_text('response') }} as response,
        {{ repaired_text('error') }} as error_message,

        ---------- numerics
        cast(duration as double) as latency_ms,

        ---------- timestamps
        -- Prisma DateTime without zone: naive UTC unless the source says
        -- otherwise
        {{ to_utc(adapter.quote('createdAt')) }} as created_at,
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
            'chat_log_key', 'created_at',
            tokens=[],
            latency='latency_ms'
        ) }} as quarantine_rule,
        {{ call_offending_value(
            'chat_log_key', 'created_at',
            tokens=[],
            latency='latency_ms'
        ) }} as offending_value
    from renamed

)

select * from checked
