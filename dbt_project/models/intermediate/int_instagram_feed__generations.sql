-- One generation per instagram_feeds row. Token counts come from the token
-- columns, else from the token_usage JSON, else from gpt_response_raw.usage
-- (token_source says which). gpt_response_raw is the provider's own response:
-- OpenAI's shape (prompt/completion_tokens, cached and reasoning details) or,
-- for Claude, Anthropic's (input_tokens without the cache, cache_read_ and
-- cache_creation_input_tokens, the 1-hour part of the cache writes, and
-- service_tier, 'batch' for a Message Batches call). The app's own cost:
-- tokens at its llm_models per-1M prices (it ignores the cache discount).
with

feeds as (

    select * from {{ ref('stg_instagram_feed__instagram_feeds') }}
    where quarantine_rule is null  -- set-aside rows: marts.quarantined_rows

),

llm_models as (

    select * from {{ ref('stg_instagram_feed__llm_models') }}

),

feeds_with_json_tokens as (

    select
        *,
        {{ json_bigint('token_usage', '$.prompt_tokens') }}
            as usage_input_tokens,
        {{ json_bigint('token_usage', '$.completion_tokens') }}
            as usage_output_tokens,
        {{ json_bigint('gpt_response_raw', '$.usage.prompt_tokens') }}
            as raw_prompt_tokens,
        -- Anthropic's input_tokens leaves out the tokens read from and
        -- written to the cache
        {{ json_bigint('gpt_response_raw', '$.usage.input_tokens') }}
            as raw_uncached_input_tokens,
        {{ json_bigint(
            'gpt_response_raw', '$.usage.cache_read_input_tokens'
        ) }} as raw_cache_read_input_tokens,
        coalesce(
            {{ json_bigint('gpt_response_raw', '$.usage.completion_tokens') }},
            {{ json_bigint('gpt_response_raw', '$.usage.output_tokens') }}
        ) as raw_output_tokens,
        {{ json_bigint(
            'gpt_response_raw', '$.usage.prompt_tokens_details.cached_tokens'
        ) }} as raw_cached_tokens,
        {{ json_bigint(
            'gpt_response_raw', '$.usage.cache_creation_input_tokens'
        ) }} as raw_cache_creation_tokens,
        {{ json_bigint(
            'gpt_response_raw',
            '$.usage.cache_creation.ephemeral_1h_input_tokens'
        ) }} as raw_cache_write_1h_tokens,
        {{ json_bigint(
            'gpt_response_raw',
            '$.usage.completion_tokens_details.reasoning_tokens'
        ) }} as raw_reasoning_tokens,
        coalesce(
            {{ json_path_text('gpt_response_raw', '$.usage.service_tier') }}
            = 'batch',
            false
        ) as raw_is_batch
    from feeds

),

feeds_with_raw_usage as (

    -- each JSON path read once above; OpenAI's fields, else Anthropic's
    select
        *,
        coalesce(
            raw_prompt_tokens,
            raw_uncached_input_tokens
            + coalesce(raw_cache_read_input_tokens, 0)
            + coalesce(raw_cache_creation_tokens, 0)
        ) as raw_input_tokens,
        coalesce(raw_cached_tokens, raw_cache_read_input_tokens)
            as raw_cache_read_tokens
    from feeds_with_json_tokens

),

feeds_joined_to_models as (

    select
        ----------  ids
        feeds.source_name
        || ':instagram_feeds:'
        || feeds.instagram_feed_key as generation_id,
        'instagram_feed' as source_system,
        feeds.source_name,
        'instagram_feeds' as source_table,
        feeds.instagram_feed_key as source_key,
        feeds.tenant_id,
        cast(null as {{ string_type() }}) as user_id,
        feeds.source_name || ':' || feeds.job_key as session_id,

        ---------- strings
        'instagram_feed_copy' as operation,
        llm_models.provider_raw,
        llm_models.model_name as model_raw,
        -- the app saves a row only when the call succeeded
        'success' as status,
        cast(null as {{ string_type() }}) as error_message,
        case
            when
                feeds.input_tokens is not null
                or feeds.output_tokens is not null
                then 'columns'
            when
                feeds.usage_input_tokens is not null
                or feeds.usage_output_tokens is not null
                then 'token_usage'
            when
                feeds.raw_input_tokens is not null
                or feeds.raw_output_tokens is not null
                then 'gpt_response_raw'
        end as token_source,
        cast(null as {{ string_type() }}) as field_dialects,

        ---------- numerics
        coalesce(
            feeds.input_tokens, feeds.usage_input_tokens, feeds.raw_input_tokens
        ) as input_tokens,
        coalesce(
            feeds.output_tokens,
            feeds.usage_output_tokens,
            feeds.raw_output_tokens
        ) as output_tokens,
        -- the usage details, only in the raw response: parts of the input
        -- (cache read, cache written, of it for 1 hour) and output (reasoning)
        -- counts above
        feeds.raw_cache_read_tokens as cache_read_tokens,
        feeds.raw_cache_creation_tokens as cache_creation_tokens,
        feeds.raw_cache_write_1h_tokens as cache_write_1h_tokens,
        feeds.raw_reasoning_tokens as reasoning_tokens,
        feeds.total_tokens as reported_total_tokens,
        feeds.latency_ms,
        cast(null as double) as time_to_first_token_ms,
        coalesce(
            feeds.input_tokens, feeds.usage_input_tokens, feeds.raw_input_tokens
        )
        * llm_models.input_cost_per_1m_usd
        / 1000000.0
        + coalesce(
            feeds.output_tokens,
            feeds.usage_output_tokens,
            feeds.raw_output_tokens
        )
        * llm_models.output_cost_per_1m_usd
        / 1000000.0 as reported_cost_usd,

        ---------- booleans
        feeds.raw_is_batch as is_batch,
        false as has_dialect_conflict,

        ---------- timestamps
        feeds.created_at as started_at,
        feeds.loaded_at,

        ---------- bad input kept and flagged (docs/bad_input.md)
        feeds.text_issues,
        feeds.has_unparseable_json

    from feeds_with_raw_usage as feeds
    left join llm_models
        on
            feeds.source_name = llm_models.source_name
            and feeds.llm_model_key = llm_models.llm_model_key

)

select * from feeds_joined_to_models
