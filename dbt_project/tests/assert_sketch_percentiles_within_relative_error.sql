-- The percentiles merged from marts.latency_sketches over the whole window are
-- within the stated relative error of the engine's exact ones over the same calls.
-- Returns the percentiles that are not.
{% set alpha = var('latency_sketch_relative_error') | float %}

with

sketched as (

    {{ sketch_percentiles('1900-01-01', '2999-12-31') }}

),

exact as (

    select
        count(*) as calls,
        {{ exact_percentiles('latency_ms', [0.5, 0.9, 0.95, 0.99]) }} as pcts
    from {{ ref('generations') }}
    where status = 'success' and latency_ms is not null

),

compared as (

    select
        sketched.fraction,
        sketched.latency_ms as sketched_ms,
        case sketched.fraction
            when 0.5 then {{ list_at('exact.pcts', 1) }}
            when 0.9 then {{ list_at('exact.pcts', 2) }}
            when 0.95 then {{ list_at('exact.pcts', 3) }}
            else {{ list_at('exact.pcts', 4) }}
        end as exact_ms,
        sketched.calls as sketched_calls,
        exact.calls as exact_calls
    from sketched
    cross join exact

)

select * from compared
where
    sketched_calls <> exact_calls
    or sketched_ms is null
    or exact_ms is null
    or abs(sketched_ms - exact_ms) > {{ alpha }} * exact_ms + 1e-9
    or (select count(*) from sketched) <> 4
