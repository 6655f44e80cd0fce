-- One generated Instagram feed post, with its copy, hashtags, tokens, latency
-- and cost: the instagram_feeds rows that passed the checks (the rows
-- int_instagram_feed__generations maps, one per key); the rows set aside,
-- duplicates of a key included, are in quarantined_rows.
with

feeds as (

    select * from {{ ref('stg_instagram_feed__instagram_feeds') }}
    where quarantine_rule is null

),

generations as (

    select * from {{ ref('generations') }}
    where source_system = 'instagram_feed'

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
        feeds.hashtags,

        ---------- numerics
        coalesce(
            {{ regexp_count('feeds.hashtags', '#[^\s#]+') }}, 0
        ) as hashtag_count,
        generations.input_tokens,
        generations.output_tokens,
        generations.total_tokens,
        generations.latency_ms,
        generations.cost_usd,
        generations.reported_cost_usd,

        ---------- timestamps
        generations.started_at as created_at

    from feeds
    inner join generations
        on
            feeds.source_name = generations.source_name
            and feeds.instagram_feed_key = generations.source_key

)

select * from final
