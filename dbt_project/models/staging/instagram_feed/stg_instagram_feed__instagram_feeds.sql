{{ incremental_staging('instagram_feed', 'instagram_feeds') }}

with

source as (

    {{ newest_load_rows(
        landed('instagram_feed', 'instagram_feeds'), ['instagram_feed_id']
    ) }}

),

renamed as (

    select
        ----------  ids
        _source_name as source_name,
        row_key,
        instagram_feed_id as instagram_feed_key,
        job_id as job_key,
        overlay_id as overlay_key,
        llm_model_id as llm_model_key,
        tenant_id,

        ---------- strings
        refined_ad_copy_eng,
        tone_style,
        product_description,
        store_information,
        {{ repaired_text('gpt_prompt') }} as gpt_prompt,
        instagram_ad_copy,
        -- the copy's language, found at landing (ingest/text_facts.py)
        _text_language as copy_language,
        hashtags,
        {{ repaired_text('gpt_prompt_used') }} as gpt_prompt_used,
        {{ repaired_text('gpt_response_raw') }} as gpt_response_raw,
        token_usage,

        ---------- numerics
        used_temperature,
        used_max_tokens,
        latency_ms,
        prompt_tokens as input_tokens,
        completion_tokens as output_tokens,
        total_tokens,

        ---------- timestamps
        -- TIMESTAMPTZ in the source: already an instant, landed in UTC
        created_at,
        updated_at,
        _loaded_at as loaded_at,
        _load_id as load_id,
        _key_rank as duplicate_rank,

        ---------- bad input kept or set aside (ingest/cast.py ROW_FIELDS)
        _unreadable as unreadable_values,
        _text_issues as text_issues,
        {{ has_unparseable_json(['gpt_response_raw', 'token_usage']) }}
            as has_unparseable_json

    from source

),

checked as (

    -- a row whose counted facts cannot be true or placed is set aside
    -- (docs/warehouse.md, "Bad input")
    -- (quarantined_rows), everything else is kept
    select
        *,
        {{ call_quarantine_rule(
            'instagram_feed_key', 'created_at',
            tokens=['input_tokens', 'output_tokens'],
            latency='latency_ms'
        ) }} as quarantine_rule,
        {{ call_offending_value(
            'instagram_feed_key', 'created_at',
            tokens=['input_tokens', 'output_tokens'],
            latency='latency_ms'
        ) }} as offending_value
    from renamed

)

select * from checked
