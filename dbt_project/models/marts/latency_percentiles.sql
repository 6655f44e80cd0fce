-- Incremental by usage_date (docs/nightly.md); --full-refresh gives the same
-- rows. last_loaded_at: the newest loaded_at of the group's calls.
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='usage_date',
        on_schema_change='fail',
        pre_hook="{{ drop_days_without_upstream(
            ref('generations'), 'started_on', 'usage_date'
        ) }}",
    )
}}

-- Grain: UTC day x source x model. Exact percentiles (linear interpolation, as
-- numpy's default) over successful calls that have a latency: failed calls say
-- nothing about the model's speed and are counted in daily_usage.errors
-- instead.
with

generations as (

    {{ generations_on_nightly_days(
        target_count='requests_with_latency',
        counted="status = 'success' and latency_ms is not null"
    ) }}

),

successful_with_latency as (

    select
        started_on,
        source_system,
        source_name,
        provider,
        model,
        latency_ms,
        loaded_at
    from generations
    where status = 'success' and latency_ms is not null

),

percentiles as (

    select
        started_on as usage_date,
        source_system,
        source_name,
        provider,
        model,
        count(*) as requests_with_latency,
        {{ exact_percentiles('latency_ms', [0.5, 0.9, 0.95, 0.99]) }} as pcts,
        max(latency_ms) as max_ms,
        max(loaded_at) as last_loaded_at
    from successful_with_latency
    group by started_on, source_system, source_name, provider, model

),

final as (

    select
        ----------  ids
        {{ surrogate_key(['usage_date', 'source_name', 'provider', 'model']) }}
            as latency_percentile_id,
        source_system,
        source_name,

        ---------- strings
        provider,
        model,

        ---------- numerics
        requests_with_latency,
        {{ list_at('pcts', 1) }} as p50_ms,
        {{ list_at('pcts', 2) }} as p90_ms,
        {{ list_at('pcts', 3) }} as p95_ms,
        {{ list_at('pcts', 4) }} as p99_ms,
        max_ms,

        ---------- dates
        usage_date,

        ---------- timestamps
        last_loaded_at

    from percentiles

)

select * from final
