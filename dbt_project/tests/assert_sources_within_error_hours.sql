{{ config(severity='warn') }}
-- Names every configured source that has landed no new call row for longer
-- than its system's error threshold, or none ever (marts.source_freshness).
-- A warning inside dbt, so that the build still publishes the healthy sources'
-- marts (a failing test would skip the publishing model); `python -m warehouse
-- build` and the nightly then exit 1 naming these sources
-- (ingest/registry.py, stale_sources). The sources are also logged by name.
{{ log_found_rows(
    'source_freshness',
    "'ERROR stale source: ' || source_name || ' (' || source_system || '): '"
    ~ " || case when freshness_status = 'never_loaded'"
    ~ " then 'no call row ever landed'"
    ~ " else 'last call row landed ' || round(hours_since_load, 1) || ' h ago'"
    ~ " end || ' (error after ' || freshness_error_hours || ' h)'",
    where="freshness_status in ('error', 'never_loaded')",
) }}
select
    source_name,
    source_system,
    freshness_status,
    hours_since_load,
    freshness_error_hours
from {{ ref('source_freshness') }}
where freshness_status in ('error', 'never_loaded')
