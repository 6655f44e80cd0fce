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

-- Grain: UTC day x provider x model, over every source. The percentiles are
-- computed from the calls themselves (exact, linear interpolation as numpy's
-- default), not averaged from latency_percentiles' per-source figures:
-- percentiles do not average. Successful calls with a latency only, as in
-- latency_percentiles.
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
        provider,
        model,
        count(*) as requests_with_latency,
        count(distinct source_name) as sources,
        {{ exact_percentiles('latency_ms', [0.5, 0.9, 0.95, 0.99]) }} as pcts,
        max(latency_ms) as max_ms,
        max(loaded_at) as last_loaded_at
    from successful_with_latency
    group by started_on, provider, model

),

final as (

    select
        ----------  ids
        {{ surrogate_key(['usage_date', 'provider', 'model']) }}
            as model_latency_id,

        ---------- strings
        provider,
        model,

        ---------- numerics
        requests_with_latency,
        sources,
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
