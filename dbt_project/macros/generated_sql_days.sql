{#- The days marts.generated_sql rebuilds in a nightly build (docs/nightly.md),
    worked out before the build as literal values, the same for its pre-hook
    (which deletes them, macro delete_days) and its select (which re-inserts
    them). A row of generated_sql depends on rows of other days: a
    query_analytics call takes the chat messages of its query_id (any day),
    and a chat message with SQL is a row of its own only while no
    query_analytics row has its query_id. So the days are, for the
    query_analytics, chat_messages and chat_sessions rows loaded after the
    newest row the mart holds (new rows):
    1. the days of the new rows themselves;
    2. the days the mart holds them under now (a row whose time changed
       leaves its old day), and the days of the rows that name a new chat
       message (a message that moved to another query leaves its old one);
    3. every day with a query_analytics call or a chat message with SQL of
       a query touched: one a new row names, or one the mart held for a new
       row's key (the query a row named before it changed);
    4. the days of the chat messages of new chat sessions (their user);
    5. the look-back: the mart's last `lookback_days` days (var, default 1).
    Returns none for "every day" when the sources with such rows differ from
    the sources the mart holds (a source left the sources file or came back,
    with no newer loaded_at to show it), else a list of ISO dates. -#}
{% macro generated_sql_days() -%}
    {{ return(nightly_days_once(
        'generated_sql_days', worked_out_generated_sql_days
    )) }}
{%- endmacro %}


{#- The days of generated_sql_days, worked out. -#}
{% macro worked_out_generated_sql_days() -%}
    {%- set query_analytics = ref('stg_text2sql__query_analytics') -%}
    {%- set chat_messages = ref('stg_text2sql__chat_messages') -%}
    {%- set chat_sessions = ref('stg_text2sql__chat_sessions') -%}
    {%- set held = run_query(
        "select cast(max(loaded_at) as " ~ string_type() ~ "), "
        ~ sorted_distinct_text('source_name') ~ " from " ~ this
    ).rows[0] -%}
    {%- set sources_now -%}
        select {{ sorted_distinct_text('source_name') }} from (
            select source_name from {{ query_analytics }}
            where quarantine_rule is null
            union all
            select source_name from {{ chat_messages }}
            where sql_query is not null
        ) as sources
    {%- endset -%}
    {%- if (run_query(sources_now).rows[0][0] or '') != (held[1] or '') -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set newest = timestamptz_literal(held[0] or '1900-01-01 00:00:00+00') -%}
    {%- set query -%}
        with

        new_calls as (
            select source_name, query_analytics_key, query_key, executed_at
            from {{ query_analytics }}
            where loaded_at > {{ newest }}
        ),

        new_messages as (
            select source_name, chat_message_key, query_key, sent_at
            from {{ chat_messages }}
            where loaded_at > {{ newest }}
        ),

        new_sessions as (
            select distinct source_name, chat_session_key
            from {{ chat_sessions }}
            where loaded_at > {{ newest }}
        ),

        new_ids as (
            select
                source_name || ':query_analytics:' || query_analytics_key
                as generation_id
            from new_calls
            union all
            select source_name || ':chat_messages:' || chat_message_key
            from new_messages
        ),

        held_rows_changed as (
            select generated_on, source_name, query_key
            from {{ this }}
            where generation_id in (select generation_id from new_ids)
            union all
            select held.generated_on, held.source_name, held.query_key
            from {{ this }} as held
            inner join new_messages
                on
                    held.source_name = new_messages.source_name
                    and held.chat_message_key = new_messages.chat_message_key
        ),

        touched_queries as (
            select source_name, query_key from new_calls
            union
            select source_name, query_key from new_messages
            union
            select source_name, query_key from held_rows_changed
        )

        select distinct nightly_day from (
            select {{ utc_date('executed_at') }} as nightly_day from new_calls
            union
            select {{ utc_date('sent_at') }} from new_messages
            union
            select generated_on from held_rows_changed
            union
            select {{ utc_date('calls.executed_at') }}
            from {{ query_analytics }} as calls
            inner join touched_queries
                on
                    calls.source_name = touched_queries.source_name
                    and calls.query_key = touched_queries.query_key
            union
            select {{ utc_date('messages.sent_at') }}
            from {{ chat_messages }} as messages
            where
                messages.sql_query is not null
                and (
                    exists (
                        select 1 from touched_queries
                        where
                            touched_queries.source_name = messages.source_name
                            and touched_queries.query_key = messages.query_key
                    )
                    or exists (
                        select 1 from new_sessions
                        where
                            new_sessions.source_name = messages.source_name
                            and new_sessions.chat_session_key
                            = messages.chat_session_key
                    )
                )
            union
            select generated_on from {{ this }}
            where generated_on >= (
                select max(generated_on) - {{ var('lookback_days', 1) }}
                from {{ this }}
            )
        ) as days
        where nightly_day is not null
        order by 1
    {%- endset -%}
    {{ return(query_days(query)) }}
{%- endmacro %}
