-- Incremental by usage_date (config: dbt_project.yml, marts.usage;
-- docs/nightly.md). last_loaded_at: the newest loaded_at of the group's calls.
-- Grain: UTC day x provider x model, over every source. The percentiles are
-- computed from the calls themselves (macro latency_percentiles_by), not
-- averaged from latency_percentiles' per-source figures: percentiles do not
-- average.
-- A nightly rebuilds the days of macro daily_mart_days, counting the
-- successful calls with a latency.
{{
    config(meta={'nightly_days': {
        'target_count': 'requests_with_latency',
        'counted': "status = 'success' and latency_ms is not null"
    }})
}}

with

{{ latency_percentiles_by(
    ['provider', 'model'],
    measures=['count(distinct source_name) as sources']
) }},

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
        {{ latency_percentile_columns() }},
        max_ms,

        ---------- dates
        usage_date,

        ---------- timestamps
        last_loaded_at

    from percentiles

)

select * from final
