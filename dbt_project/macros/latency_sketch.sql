{#- Mergeable latency sketches (marts.latency_sketches): log-spaced buckets with
    a stated relative error alpha (var latency_sketch_relative_error). Bucket i
    holds the latencies in (gamma^(i-1), gamma^i], gamma = (1 + alpha) / (1 - alpha),
    and stands for 2 gamma^i / (gamma + 1), within alpha of every latency in it;
    a latency of 0 is bucket NULL and stands for 0. Counts of the same bucket add
    up across days, sources and models, so a percentile over any window merges
    a few hundred rows per day instead of reading the calls. Plain SQL (ln,
    power, window sums): it runs on Spark as on DuckDB. -#}

{% macro latency_sketch_gamma() -%}
    {%- set alpha = var('latency_sketch_relative_error') | float -%}
    {{ return((1 + alpha) / (1 - alpha)) }}
{%- endmacro %}


{% macro latency_sketch_bucket(column) -%}
    case
        when {{ column }} > 0
            then cast(ceil(ln({{ column }}) / ln({{ latency_sketch_gamma() }})) as integer)
    end
{%- endmacro %}


{#- p50/p90/p95/p99 (or `fractions`) of the successful calls' latency over any
    UTC days, sources and models, from marts.latency_sketches: the rank of each
    percentile as numpy's linear method takes it (q * (n - 1)), the buckets of
    its two neighbouring calls, and their values interpolated; within the
    stated relative error of numpy's exact percentile. `sources` and `models`:
    lists, none for all. One row per fraction: fraction, calls, latency_ms. -#}
{% macro sketch_percentiles(
    start_date, end_date, sources=none, models=none,
    fractions=[0.5, 0.9, 0.95, 0.99]
) -%}
    {%- set gamma = latency_sketch_gamma() -%}
    with

    merged as (

        select
            bucket_index,
            sum(calls) as calls
        from {{ ref('latency_sketches') }}
        where
            usage_date between date '{{ start_date }}' and date '{{ end_date }}'
            {%- if sources is not none %}
                and source_name in ('{{ sources | join("', '") }}')
            {%- endif %}
            {%- if models is not none %}
                and model in ('{{ models | join("', '") }}')
            {%- endif %}
        group by bucket_index

    ),

    cumulative as (

        select
            case
                when bucket_index is null then 0.0
                else 2 * power({{ gamma }}, bucket_index) / ({{ gamma }} + 1)
            end as bucket_value,
            sum(calls) over (
                order by coalesce(bucket_index, -2147483648)
                rows between unbounded preceding and current row
            ) as calls_through,
            sum(calls) over () as total_calls
        from merged

    ),

    fractions as (

        {% for q in fractions -%}
            select cast({{ q }} as double) as fraction
            {% if not loop.last %}union all{% endif %}
        {% endfor %}

    ),

    ranks as (

        select distinct
            fractions.fraction,
            cumulative.total_calls,
            fractions.fraction * (cumulative.total_calls - 1) as call_rank
        from fractions
        cross join cumulative

    ),

    neighbours as (

        select
            ranks.fraction,
            ranks.total_calls,
            ranks.call_rank - floor(ranks.call_rank) as weight,
            min(case
                when cumulative.calls_through > floor(ranks.call_rank)
                    then cumulative.bucket_value
            end) as lower_value,
            min(case
                when cumulative.calls_through
                    > least(floor(ranks.call_rank) + 1, ranks.total_calls - 1)
                    then cumulative.bucket_value
            end) as upper_value
        from ranks
        cross join cumulative
        group by ranks.fraction, ranks.total_calls, ranks.call_rank

    )

    select
        fraction,
        total_calls as calls,
        lower_value + weight * (upper_value - lower_value) as latency_ms
    from neighbours
{%- endmacro %}
