-- One generated Instagram feed post, with its copy, hashtags, tokens, latency
-- and cost: the instagram_feeds rows that passed the checks (the rows
-- int_instagram_feed__generations maps, one per key); the rows set aside,
-- duplicates of a key included, are in quarantined_rows. The same caption
-- posted again by a tenant: marts.feed_caption_repeats.
-- Incremental by created_on (docs/nightly.md): a nightly build deletes
-- (pre-hook) and re-inserts the days whose instagram_feed calls changed
-- (macro feed_outputs_days, the same day set for both), reading the staging
-- rows of those days only.
{{
    config(
        materialized='incremental',
        unique_key='created_on',
        pre_hook="{% if is_incremental() and execute %}{{ delete_days(
            'created_on', feed_outputs_days()
        ) }}{% endif %}",
    )
}}

{%- set feeds_on_days, generations_on_days = 'true', 'true' %}
{%- if is_incremental() and execute %}
    {%- set days = feed_outputs_days() %}
    {%- if days %}
        {%- set feeds_on_days = day_filter('created_at', days) %}
        {%- set generations_on_days = 'started_on in ('
            ~ date_list(days) ~ ')' %}
    {%- elif days is not none %}
        {%- set feeds_on_days, generations_on_days = 'false', 'false' %}
    {%- endif %}
{%- endif %}

with

feeds as (

    select * from {{ ref('stg_instagram_feed__instagram_feeds') }}
    where
        quarantine_rule is null
        and {{ feeds_on_days }}

),

generations as (

    select * from {{ ref('generations') }}
    where
        source_system = 'instagram_feed'
        and {{ generations_on_days }}

),

final as (

    select
        ----------  ids
        generations.generation_id as feed_output_id,
        feeds.source_name,
        feeds.instagram_feed_key,
        feeds.job_key,
        feeds.overlay_key,
        feeds.tenant_id,

        ---------- strings
        generations.provider,
        generations.model,
        feeds.tone_style,
        feeds.instagram_ad_copy,
        feeds.copy_language,
        {{ caption_fingerprint('feeds.instagram_ad_copy') }}
            as caption_fingerprint,
        feeds.hashtags,

        ---------- numerics
        cast(length(feeds.instagram_ad_copy) as bigint) as copy_length,
        coalesce(
            {{ regexp_count('feeds.hashtags', '#[^\s#]+') }}, 0
        ) as hashtag_count,
        generations.input_tokens,
        generations.output_tokens,
        generations.total_tokens,
        generations.latency_ms,
        generations.cost_usd,
        generations.reported_cost_usd,

        ---------- dates
        generations.started_on as created_on,

        ---------- timestamps
        generations.started_at as created_at,
        generations.loaded_at,

        ---------- bookkeeping: the price data the cost was computed with
        {{ price_fingerprint() }} as price_fingerprint

    from feeds
    inner join generations
        on
            feeds.source_name = generations.source_name
            and feeds.instagram_feed_key = generations.source_key

)

select * from final
