{{ config(severity='warn') }}
-- Warns when a configured source has landed no new call row for longer than its
-- system's warn threshold (marts.source_freshness; the error threshold is the
-- test assert_sources_within_error_hours). The sources are also logged by name,
-- so the summary of `python -m warehouse build` and the nightly names them.
{{ log_found_rows(
    'source_freshness',
    "'WARNING stale source: ' || source_name || ' (' || source_system"
    ~ " || '): last call row landed ' || round(hours_since_load, 1)"
    ~ " || ' h ago (warn after ' || freshness_warn_hours || ' h)'",
    where="freshness_status = 'warn'",
) }}
select
    source_name,
    source_system,
    hours_since_load,
    freshness_warn_hours
from {{ ref('source_freshness') }}
where freshness_status = 'warn'
