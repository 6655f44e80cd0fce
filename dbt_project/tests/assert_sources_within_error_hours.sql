{{ config(severity='warn') }}
-- Names every configured source that has landed no new call row for longer
-- than its system's error threshold, or none ever (marts.source_freshness).
-- A warning inside dbt, so that the build still publishes the healthy sources'
-- marts (a failing test would skip the publishing model); `python -m ingest
-- build` and the nightly then exit 1 naming these sources
-- (ingest/registry.py, stale_sources). The sources are also logged by name.
{%- if execute and flags.WHICH in ('build', 'test') %}
    {%- set relation = adapter.get_relation(
        database=ref('source_freshness').database,
        schema=ref('source_freshness').schema,
        identifier=ref('source_freshness').identifier,
    ) %}
    {%- if relation is not none %}
        {%- set found = run_query(
            "select source_name, source_system, freshness_status,"
            ~ " round(hours_since_load, 1), freshness_error_hours from "
            ~ relation ~ " where freshness_status in ('error', 'never_loaded')"
            ~ " order by source_name"
        ) %}
        {%- for row in found.rows %}
            {{- log(
                "ERROR stale source: " ~ row[0] ~ " (" ~ row[1] ~ "): "
                ~ ("no call row ever landed" if row[2] == 'never_loaded' else
                   "last call row landed " ~ row[3] ~ " h ago")
                ~ " (error after " ~ row[4] ~ " h)",
                info=True,
            ) }}
        {%- endfor %}
    {%- endif %}
{%- endif %}
select
    source_name,
    source_system,
    freshness_status,
    hours_since_load,
    freshness_error_hours
from {{ ref('source_freshness') }}
where freshness_status in ('error', 'never_loaded')
