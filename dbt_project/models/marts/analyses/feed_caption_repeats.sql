-- Captions a tenant posted more than once: feed_outputs grouped on the
-- normalized caption (macro normalized_caption: hashtags, punctuation, emoji,
-- spacing and case left out), so a copy restyled by the model counts as the
-- same caption. Grain: one row per source x tenant x caption, only where the
-- tenant posted it twice or more.
with

feed_outputs as (

    select * from {{ ref('feed_outputs') }}
    where caption_fingerprint is not null

),

repeats as (

    select
        source_name,
        tenant_id,
        caption_fingerprint,
        min(instagram_ad_copy) as example_copy,
        count(*) as posts,
        count(distinct instagram_ad_copy) as distinct_copies,
        count(distinct model) as models,
        min(created_at) as first_posted_at,
        max(created_at) as last_posted_at
    from feed_outputs
    group by source_name, tenant_id, caption_fingerprint
    having count(*) > 1

),

final as (

    select
        ----------  ids
        {{ surrogate_key(['source_name', 'tenant_id', 'caption_fingerprint']) }}
            as feed_caption_repeat_id,
        source_name,
        tenant_id,
        caption_fingerprint,

        ---------- strings
        -- the fingerprint is the md5 of the normalized caption, so every post
        -- of a group has this one: normalized once per repeated caption, not
        -- once per post
        {{ normalized_caption('example_copy') }} as normalized_caption,
        example_copy,

        ---------- numerics
        posts,
        distinct_copies,
        models,

        ---------- timestamps
        first_posted_at,
        last_posted_at

    from repeats

)

select * from final
