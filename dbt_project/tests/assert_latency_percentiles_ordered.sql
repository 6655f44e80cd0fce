-- Percentiles of one group are ordered: p50 <= p90 <= p95 <= p99 <= max.
select
    latency_percentile_id,
    p50_ms,
    p90_ms,
    p95_ms,
    p99_ms,
    max_ms
-- at night, the rows the refresh rebuilt (macros/nightly_tests.sql)
from {{ get_where_subquery(ref('latency_percentiles')) }}
where
    not (
        p50_ms <= p90_ms
        and p90_ms <= p95_ms
        and p95_ms <= p99_ms
        and p99_ms <= max_ms
    )
