{#- The CTEs the two latency marts share (latency_percentiles: per source;
    model_latency_daily: over every source), ending in `percentiles`: one row
    per UTC day (usage_date) x `dimensions`, with requests_with_latency, the
    exact percentiles `pcts` (p50, p90, p95, p99; linear interpolation, as
    numpy's default), max_ms and last_loaded_at, over the successful calls that
    have a latency (failed calls say nothing about a model's speed: they are
    counted in daily_usage.errors). `measures`: further aggregates, as SQL. -#}
{% macro latency_percentiles_by(dimensions, measures=[]) -%}
generations as (

    {{ generations_on_nightly_days() }}

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
        {%- for dimension in dimensions %}
        {{ dimension }},
        {%- endfor %}
        count(*) as requests_with_latency,
        {%- for measure in measures %}
        {{ measure }},
        {%- endfor %}
        {{ exact_percentiles('latency_ms', [0.5, 0.9, 0.95, 0.99]) }} as pcts,
        max(latency_ms) as max_ms,
        max(loaded_at) as last_loaded_at
    from successful_with_latency
    group by started_on, {{ dimensions | join(', ') }}

)
{%- endmacro %}


{#- The percentile columns of `percentiles` above, by name. -#}
{% macro latency_percentile_columns() -%}
    {{ list_at('pcts', 1) }} as p50_ms,
    {{ list_at('pcts', 2) }} as p90_ms,
    {{ list_at('pcts', 3) }} as p95_ms,
    {{ list_at('pcts', 4) }} as p99_ms
{%- endmacro %}
