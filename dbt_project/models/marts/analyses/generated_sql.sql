-- The SQL text2sql's model generated, read with sqlglot at landing time
-- (ingest/sql_facts.py): one row per generation. A kept query_analytics call
-- is one; an assistant chat message carrying SQL whose query_id matches no
-- query_analytics row at all is one too (source_table chat_messages).
-- Incremental by generated_on (docs/nightly.md): a nightly build deletes
-- (pre-hook) and re-inserts the days that new or changed text2sql rows touch
-- (macro generated_sql_days, the same day set for both), reading the staging
-- rows of those days and the chat messages of their queries only.
{{
    config(
        materialized='incremental',
        unique_key='generated_on',
        partition_by=['generated_on'] if target.type == 'spark' else none,
        meta={'nightly_tests': {'loaded_at': 'loaded_at', 'day': 'generated_on'}},
        pre_hook="{% if is_incremental() and execute %}{{ delete_days(
            'generated_on', generated_sql_days()
        ) }}{% endif %}",
    )
}}

{%- set calls_on_days, messages_on_days = 'true', 'true' %}
{%- if is_incremental() and execute %}
    {%- set days = generated_sql_days() %}
    {%- if days %}
        {%- set calls_on_days = day_filter('executed_at', days) %}
        {%- set messages_on_days = day_filter('sent_at', days) %}
    {%- elif days is not none %}
        {%- set calls_on_days, messages_on_days = 'false', 'false' %}
    {%- endif %}
{%- endif %}

with

-- every call: a chat message whose query has one is no generation of its own
all_queries as (

    select
        source_name,
        query_key
    from {{ ref('stg_text2sql__query_analytics') }}

),

query_analytics as (

    select * from {{ ref('stg_text2sql__query_analytics') }}
    where {{ calls_on_days }}

),

chat_messages as (

    select * from {{ ref('stg_text2sql__chat_messages') }}
    where {{ messages_on_days }}

),

-- the chat messages of the calls' queries, of any day
query_messages as (

    select messages.*
    from {{ ref('stg_text2sql__chat_messages') }} as messages
    where
        messages.query_key is not null
        and messages.sql_query is not null
        and exists (
            select 1
            from query_analytics
            where
                query_analytics.source_name = messages.source_name
                and query_analytics.query_key = messages.query_key
        )

),

chat_sessions as (

    select * from {{ ref('stg_text2sql__chat_sessions') }}

),

chat_sql_by_query as (

    select
        source_name,
        query_key,
        min(chat_message_key) as chat_message_key,
        min(sql_query) as chat_sql_query
    from query_messages
    group by source_name, query_key

),

from_calls as (

    select
        query_analytics.source_name
        || ':query_analytics:'
        || query_analytics.query_analytics_key as generation_id,
        query_analytics.source_name,
        'query_analytics' as source_table,
        query_analytics.query_analytics_key as source_key,
        query_analytics.source_name
        || ':'
        || query_analytics.user_key as user_id,
        query_analytics.query_key,
        query_analytics.sql_query,
        query_analytics.sql_parses,
        query_analytics.sql_parse_error,
        query_analytics.sql_statements,
        query_analytics.sql_statement_kind,
        query_analytics.sql_is_destructive,
        query_analytics.sql_tables,
        query_analytics.sql_columns,
        query_analytics.sql_joins,
        query_analytics.sql_subqueries,
        query_analytics.is_success,
        query_analytics.error_message,
        chat_sql_by_query.chat_message_key,
        (
            chat_sql_by_query.chat_sql_query = query_analytics.sql_query
        ) as chat_sql_matches,
        query_analytics.executed_at as generated_at,
        query_analytics.loaded_at
    from query_analytics
    left join chat_sql_by_query
        on
            query_analytics.source_name = chat_sql_by_query.source_name
            and query_analytics.query_key = chat_sql_by_query.query_key
    where query_analytics.quarantine_rule is null

),

from_chat_only as (

    select
        chat_messages.source_name
        || ':chat_messages:'
        || chat_messages.chat_message_key as generation_id,
        chat_messages.source_name,
        'chat_messages' as source_table,
        chat_messages.chat_message_key as source_key,
        chat_messages.source_name
        || ':'
        || chat_sessions.user_key as user_id,
        chat_messages.query_key,
        chat_messages.sql_query,
        chat_messages.sql_parses,
        chat_messages.sql_parse_error,
        chat_messages.sql_statements,
        chat_messages.sql_statement_kind,
        chat_messages.sql_is_destructive,
        chat_messages.sql_tables,
        chat_messages.sql_columns,
        chat_messages.sql_joins,
        chat_messages.sql_subqueries,
        chat_messages.error_message is null as is_success,
        chat_messages.error_message,
        chat_messages.chat_message_key,
        cast(null as boolean) as chat_sql_matches,
        chat_messages.sent_at as generated_at,
        chat_messages.loaded_at
    from chat_messages
    left join chat_sessions
        on
            chat_messages.source_name = chat_sessions.source_name
            and chat_messages.chat_session_key = chat_sessions.chat_session_key
    where
        chat_messages.sql_query is not null
        and not exists (
            select 1
            from all_queries
            where
                all_queries.source_name = chat_messages.source_name
                and all_queries.query_key = chat_messages.query_key
        )

),

generations_sql as (

    select * from from_calls
    union all
    select * from from_chat_only

),

final as (

    select
        ----------  ids
        generation_id,
        source_name,
        'text2sql' as source_system,
        source_table,
        source_key,
        user_id,
        query_key,
        chat_message_key,

        ---------- strings
        sql_query,
        sql_statement_kind as statement_kind,
        sql_tables as tables_referenced,
        sql_columns as columns_referenced,
        sql_parse_error as parse_error,
        error_message as app_error_message,

        ---------- numerics
        sql_statements as statements,
        sql_joins as joins,
        sql_subqueries as subqueries,

        ---------- booleans
        sql_parses as parses,
        sql_is_destructive as is_destructive,
        is_success as app_marked_success,
        chat_sql_matches,

        ---------- dates
        {{ utc_date('generated_at') }} as generated_on,

        ---------- timestamps
        generated_at,
        loaded_at

    from generations_sql

)

-- stored day by day, as marts.generations: a refresh rewrites a few row groups
select * from final
order by generated_on
