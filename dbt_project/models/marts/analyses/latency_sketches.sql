-- Mergeable latency sketches (macros/latency_sketch.sql): per UTC day x source
-- x provider x model, how many successful calls fell in each log-spaced
-- latency bucket. Percentiles over any window of days, sources and models come
-- from merging these rows (macro sketch_percentiles; warehouse/sketches.py),
-- within relative_error of the exact percentile, without reading the calls.
with

generations as (

    select * from {{ ref('generations') }}

),

bucketed as (

    select
        started_on as usage_date,
        source_name,
        provider,
        model,
        {{ latency_sketch_bucket('latency_ms') }} as bucket_index
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

        ---------- timestamps
        usage_date

    from bucketed
    group by usage_date, source_name, provider, model, bucket_index

)

select * from final
