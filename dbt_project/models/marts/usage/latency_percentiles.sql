-- Incremental by usage_date (config: dbt_project.yml, marts.usage;
-- docs/nightly.md). last_loaded_at: the newest loaded_at of the group's calls.
-- Grain: UTC day x source x model (macro latency_percentiles_by).
-- The pre-hook drops the days left with no successful call with a latency
-- (a delete+insert replaces only days that still have rows), on top of the
-- folder's, which drops the days with no call at all.
{{
    config(
        pre_hook="{{ drop_days_without_upstream(
            generations_with_latency(), 'started_on', 'usage_date') }}",
    )
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
