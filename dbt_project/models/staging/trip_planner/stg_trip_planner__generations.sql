{{ incremental_staging('trip_planner', 'generations') }}

with

source as (

    {{ newest_load_rows(landed('trip_planner', 'generations'), ['id']) }}

),

renamed as (

    select
        ----------  ids
        _source_name as source_name,
        row_key,
        cast(id as {{ string_type() }}) as generation_key,
        cast(workflow_id as {{ string_type() }}) as workflow_key,
        cast(node_id as {{ string_type() }}) as node_key,

        ---------- strings
        {{ blank_as_null("model_name") }} as model_raw,
        model_provider as provider_raw,
        {{ repaired_text('system_prompt') }} as system_prompt,
        {{ repaired_text('user_prompt') }} as user_prompt,
        {{ repaired_text('output') }} as output,

        ---------- numerics
        temperature,
        max_tokens,
        prompt_tokens as input_tokens,
        completion_tokens as output_tokens,
        total_tokens,
        cast(latency_ms as double) as latency_ms,

        ---------- timestamps
        {{ to_utc('created_at') }} as created_at,
        _loaded_at as loaded_at,
        _load_id as load_id,
        _key_rank as duplicate_rank,

        ---------- bad input kept or set aside (ingest/cast.py ROW_FIELDS)
        _unreadable as unreadable_values,
        _text_issues as text_issues,
        {{ has_unparseable_json(['parsed_output']) }} as has_unparseable_json

    from source

),

checked as (

    -- a row whose counted facts cannot be true or placed is set aside
    -- (docs/warehouse.md, "Bad input")
    -- (quarantined_rows), everything else is kept
    select
        *,
        {{ call_quarantine_rule(
            'generation_key', 'created_at',
            tokens=['input_tokens', 'output_tokens'],
            latency='latency_ms'
        ) }} as quarantine_rule,
        {{ call_offending_value(
            'generation_key', 'created_at',
            tokens=['input_tokens', 'output_tokens'],
            latency='latency_ms'
        ) }} as offending_value
    from renamed

)

select * from checked
