-- Incremental by usage_date (config: dbt_project.yml, marts.usage;
-- docs/nightly.md). last_loaded_at: the newest loaded_at of the group's calls.
-- Grain: UTC day x provider x model, over every source. The percentiles are
-- computed from the calls themselves (macro latency_percentiles_by), not
-- averaged from latency_percentiles' per-source figures: percentiles do not
-- average.
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
