-- One generation per query_analytics row. The conversation is found through the
-- chat message that carries the call's query_id. text2sql logs no LLM latency:
-- its execution_time is the generated SQL's run time, so latency_ms is NULL.
with

query_analytics as (

    select * from {{ ref('stg_text2sql__query_analytics') }}
    where quarantine_rule is null  -- set-aside rows: marts.quarantined_rows

),

chat_messages as (

    select * from {{ ref('stg_text2sql__chat_messages') }}

),

sessions_by_query as (

    select
        source_name,
        query_key,
        min(chat_session_key) as chat_session_key
    from chat_messages
    where query_key is not null
    group by source_name, query_key

),

calls_joined_to_sessions as (

    select
        ----------  ids
        query_analytics.source_name
        || ':query_analytics:'
        || query_analytics.query_analytics_key as generation_id,
        'text2sql' as source_system,
        query_analytics.source_name,
        'query_analytics' as source_table,
        query_analytics.query_analytics_key as source_key,
        cast(null as {{ string_type() }}) as tenant_id,
        query_analytics.source_name
        || ':'
        || query_analytics.user_key as user_id,
        query_analytics.source_name
        || ':'
        || sessions_by_query.chat_session_key as session_id,

        ---------- strings
        'text_to_sql' as operation,
        cast(null as {{ string_type() }}) as provider_raw,
        query_analytics.model_raw,
        case
            when query_analytics.is_success then 'success' else 'error'
        end as status,
        case
            when not query_analytics.is_success
                then query_analytics.error_message
        end as error_message,
        'columns' as token_source,
        cast(null as {{ string_type() }}) as field_dialects,

        ---------- numerics
        query_analytics.input_tokens,
        query_analytics.output_tokens,
        cast(null as bigint) as cache_read_tokens,
        cast(null as bigint) as cache_creation_tokens,
        cast(null as bigint) as cache_write_1h_tokens,
        cast(null as bigint) as reasoning_tokens,
        query_analytics.total_tokens as reported_total_tokens,
        cast(null as double) as latency_ms,
        cast(null as double) as time_to_first_token_ms,
        query_analytics.reported_cost_usd,

        ---------- booleans
        false as is_batch,
        false as has_dialect_conflict,

        ---------- timestamps
        query_analytics.executed_at as started_at,
        query_analytics.loaded_at,

        ---------- bad input kept and flagged (docs/bad_input.md)
        query_analytics.text_issues,
        query_analytics.has_unparseable_json

    from query_analytics
    left join sessions_by_query
        on
            query_analytics.source_name = sessions_by_query.source_name
            and query_analytics.query_key = sessions_by_query.query_key

)

select * from calls_joined_to_sessions
