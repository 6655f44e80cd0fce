-- Incremental by usage_date (config: dbt_project.yml, marts.usage;
-- docs/nightly.md). last_loaded_at: the newest loaded_at of the group's calls.
-- Grain: UTC day x source x model (macro latency_percentiles_by).
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
    ['source_system', 'source_name', 'provider', 'model']
) }},

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
        {{ latency_percentile_columns() }},
        max_ms,

        ---------- dates
        usage_date,

        ---------- timestamps
        last_loaded_at

    from percentiles

)

select * from final
