-- Incremental by usage_date (config: dbt_project.yml, marts.usage;
-- docs/nightly.md). last_loaded_at: the newest loaded_at of the group's calls.
-- Grain: UTC day x source x tenant x user x model. cost_usd is NULL when no
-- call of the group has a known cost; unpriced_requests counts the calls
-- without one.
-- The days a nightly rebuilds (macro daily_mart_days): every day when the
-- price data changed.
{{ config(meta={'nightly_days': {'costs': true}}) }}

with

generations as (

    {{ generations_on_nightly_days() }}

),

daily as (

    select
        ----------  ids
        {{ surrogate_key([
            'started_on', 'source_name', 'tenant_id', 'user_id',
            'provider', 'model'
        ]) }} as daily_usage_id,
        source_system,
        source_name,
        tenant_id,
        user_id,

        ---------- strings
        provider,
        model,

        ---------- numerics
        count(*) as requests,
        count(*) filter (where status = 'error') as errors,
        cast(sum(input_tokens) as bigint) as input_tokens,
        cast(sum(output_tokens) as bigint) as output_tokens,
        cast(sum(total_tokens) as bigint) as total_tokens,
        sum(cost_usd) as cost_usd,
        count(*) filter (where cost_usd is null) as unpriced_requests,

        ---------- dates
        started_on as usage_date,

        ---------- timestamps
        max(loaded_at) as last_loaded_at,

        ---------- bookkeeping: the price data the costs were computed with
        {{ price_fingerprint() }} as price_fingerprint

    from generations
    group by
        started_on,
        source_system,
        source_name,
        tenant_id,
        user_id,
        provider,
        model

)

select * from daily
