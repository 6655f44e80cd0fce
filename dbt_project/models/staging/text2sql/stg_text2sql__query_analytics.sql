{{ incremental_staging('text2sql', 'query_analytics') }}

with

source as (

    {{ newest_load_rows(landed('text2sql', 'query_analytics'), ['id']) }}

),

renamed as (

    select
        ----------  ids
        _source_name as source_name,
        row_key,
        id as query_analytics_key,
        query_id as query_key,
        user_id as user_key,

        ---------- strings
        {{ repaired_text('question') }} as question,
        sql_query,
        {{ repaired_text('error_message') }} as error_message,
        chart_type,
        {{ blank_as_null("llm_model") }} as model_raw,

        ---------- numerics
        -- execution_time is the generated SQL's run time in seconds, not LLM
        -- latency
        execution_time as sql_execution_seconds,
        row_count,
        prompt_tokens as input_tokens,
        completion_tokens as output_tokens,
        total_tokens,
        llm_cost_estimate as reported_cost_usd,

        ---------- booleans
        success as is_success,

        ---------- timestamps
        {{ to_utc(adapter.quote('timestamp')) }} as executed_at,
        {{ to_utc('created_at') }} as created_at,
        _loaded_at as loaded_at,
        _load_id as load_id,
        _key_rank as duplicate_rank,

        ---------- bad input kept or set aside (ingest/cast.py ROW_FIELDS)
        _unreadable as unreadable_values,
        _text_issues as text_issues,
        {{ has_unparseable_json([]) }} as has_unparseable_json,

        ---------- the generated SQL read with sqlglot (ingest/sql_facts.py)
        {{ sql_facts() }}

    from source

),

checked as (

    -- a row whose counted facts cannot be true or placed is set aside
    -- (docs/warehouse.md, "Bad input")
    -- (quarantined_rows), everything else is kept
    select
        *,
        {{ call_quarantine_rule(
            'query_analytics_key', 'executed_at',
            tokens=['input_tokens', 'output_tokens']
        ) }} as quarantine_rule,
        {{ call_offending_value(
            'query_analytics_key', 'executed_at',
            tokens=['input_tokens', 'output_tokens']
        ) }} as offending_value
    from renamed

)

select * from checked
