-- Incremental (docs/nightly.md): a nightly build deletes (pre-hook) and
-- re-inserts the days that new or changed rows touch (macro
-- generations_days, the same day set for both);
-- --full-refresh rebuilds every day, with the same rows. Tested at night on
-- the rebuilt days (macros/nightly_tests.sql).
-- depends_on: {{ ref('stg_landing__call_loads') }}
{{
    config(
        materialized='incremental',
        unique_key='started_on',
        meta={'nightly_tests': {'loaded_at': 'loaded_at', 'day': 'started_on'}},
        pre_hook="{% if is_incremental() and execute %}{{ delete_days(
            'started_on', generations_days()
        ) }}{% endif %}",
    )
}}

with

priced as (

    select * from {{ ref('int_generations_priced') }}
    {% if is_incremental() and execute %}
        {%- set days = generations_days() %}
        {%- if days is none %}
            -- new price data: every day again (no frozen costs)
        {%- elif days %}
            where {{ day_filter('started_at', days, 'started_date') }}
        {%- else %}
            where false
        {%- endif %}
    {% endif %}

),

final as (

    select
        ----------  ids
        generation_id,
        source_system,
        source_name,
        source_table,
        source_key,
        tenant_id,
        user_id,
        session_id,

        ---------- strings
        operation,
        provider,
        model,
        model_raw,
        status,
        error_message,
        -- why it failed (docs/errors.md); NULL for a call that did not fail
        {{ classify_error('status', 'error_message') }} as error_class,
        cost_status,
        price_source,
        token_source,
        field_dialects,
        text_issues,

        ---------- numerics
        input_tokens,
        output_tokens,
        cache_read_tokens,
        cache_creation_tokens,
        cache_write_1h_tokens,
        reasoning_tokens,
        case
            when input_tokens is not null or output_tokens is not null
                then coalesce(input_tokens, 0) + coalesce(output_tokens, 0)
        end as total_tokens,
        reported_total_tokens,
        latency_ms,
        time_to_first_token_ms,
        case
            when
                output_tokens is not null
                and latency_ms - coalesce(time_to_first_token_ms, 0) > 0
                then
                    output_tokens * 1000.0
                    / (latency_ms - coalesce(time_to_first_token_ms, 0))
        end as output_tokens_per_second,
        cost_usd,
        -- the long-context tier that priced it; NULL: the base prices
        price_tier_input_tokens_over,
        cast(reported_cost_usd as decimal(38, 12)) as reported_cost_usd,

        ---------- booleans
        is_known_model,
        is_local_model,
        is_batch,
        -- bad input kept, repaired and flagged (docs/bad_input.md)
        coalesce(
            reported_total_tokens
            <> coalesce(input_tokens, 0) + coalesce(output_tokens, 0),
            false
        ) as has_total_tokens_mismatch,
        has_unparseable_json,
        coalesce(text_issues like '%:mojibake%', false) as has_repaired_text,
        coalesce(text_issues like '%:invalid_utf8%', false) as has_invalid_utf8,
        model is null as has_no_model,
        has_dialect_conflict,

        ---------- dates
        started_date as started_on,

        ---------- timestamps
        started_at,
        loaded_at,

        ---------- bookkeeping: the price data the cost was computed with
        {{ price_fingerprint() }} as price_fingerprint

    from priced

)

-- stored day by day: a refresh deletes and re-inserts whole days, and DuckDB's
-- commit rewrites every row group that lost rows, so a day's rows kept together
-- make that a few row groups instead of the whole table
select * from final
order by started_on
