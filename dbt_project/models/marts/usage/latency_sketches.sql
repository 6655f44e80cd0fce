-- Mergeable latency sketches (macros/latency_sketch.sql): per UTC day x source
-- x provider x model, how many successful calls fell in each log-spaced
-- latency bucket. Percentiles over any window of days, sources and models come
-- from merging these rows (macro sketch_percentiles; warehouse/sketches.py),
-- within relative_error of the exact percentile, without reading the calls.
-- Incremental by usage_date, as the daily marts of this folder (their config,
-- dbt_project.yml; docs/nightly.md): the pre-hook of a nightly build deletes
-- the days whose calls changed (macro daily_mart_days, counting the successful
-- calls with a latency) and the select re-inserts them.
{{
    config(
        meta={'nightly_days': {
            'target_count': 'calls',
            'counted': "status = 'success' and latency_ms is not null"
        }},
    )
}}

with

generations as (

    {{ generations_on_nightly_days() }}

),

bucketed as (

    select
        started_on as usage_date,
        source_name,
        provider,
        model,
        {{ latency_sketch_bucket('latency_ms') }} as bucket_index,
        loaded_at
    from generations
    where status = 'success' and latency_ms is not null

),

final as (

    select
        ----------  ids
        {{ surrogate_key([
            'usage_date', 'source_name', 'provider', 'model', 'bucket_index'
        ]) }} as latency_sketch_id,
        source_name,

        ---------- strings
        provider,
        model,

        ---------- numerics
        bucket_index,
        count(*) as calls,
        cast(
            {{ var('latency_sketch_relative_error') }} as double
        ) as relative_error,

        ---------- dates
        usage_date,

        ---------- timestamps
        max(loaded_at) as last_loaded_at

    from bucketed
    group by usage_date, source_name, provider, model, bucket_index

)

select * from final
