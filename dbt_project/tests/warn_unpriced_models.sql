{{ config(severity='warn') }}
-- Warns (never fails) when a model has no price: its calls have NULL cost_usd
-- until an override or a price-library update covers it. One row per unpriced
-- model string and source; the names are also logged when the test runs.
{%- if execute and flags.WHICH in ('build', 'test') %}
    {%- set relation = adapter.get_relation(
        database=ref('unpriced_models').database,
        schema=ref('unpriced_models').schema,
        identifier=ref('unpriced_models').identifier,
    ) %}
    {%- if relation is not none %}
        {%- set found = run_query(
            "select source_name, model_raw, requests from " ~ relation
            ~ " order by source_name, model_raw"
        ) %}
        {%- for row in found.rows %}
            {{- log(
                "WARNING unpriced model: " ~ row[1] ~ " in " ~ row[0]
                ~ " (" ~ row[2] ~ " calls, cost_usd NULL)",
                info=True,
            ) }}
        {%- endfor %}
    {%- endif %}
{%- endif %}
select
    source_name,
    provider,
    model_raw,
    requests,
    total_tokens,
    first_seen_at,
    last_seen_at
from {{ ref('unpriced_models') }}
