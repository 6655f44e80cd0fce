{{ config(severity='warn') }}
-- Warns when a configured source has landed no new call row for longer than its
-- system's warn threshold (marts.source_freshness; the error threshold is the
-- test assert_sources_within_error_hours). The sources are also logged by name,
-- so the summary of `python -m ingest build` and the nightly names them.
{%- if execute and flags.WHICH in ('build', 'test') %}
    {%- set relation = adapter.get_relation(
        database=ref('source_freshness').database,
        schema=ref('source_freshness').schema,
        identifier=ref('source_freshness').identifier,
    ) %}
    {%- if relation is not none %}
        {%- set found = run_query(
            "select source_name, source_system, round(hours_since_load, 1),"
            ~ " freshness_warn_hours from " ~ relation
            ~ " where freshness_status = 'warn' order by source_name"
        ) %}
        {%- for row in found.rows %}
            {{- log(
                "WARNING stale source: " ~ row[0] ~ " (" ~ row[1] ~ "): last call row"
                ~ " landed " ~ row[2] ~ " h ago (warn after " ~ row[3] ~ " h)",
                info=True,
            ) }}
        {%- endfor %}
    {%- endif %}
{%- endif %}
select
    source_name,
    source_system,
    hours_since_load,
    freshness_warn_hours
from {{ ref('source_freshness') }}
where freshness_status = 'warn'
