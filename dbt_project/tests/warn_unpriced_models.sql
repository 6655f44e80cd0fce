{{ config(severity='warn') }}
-- Warns (never fails) when a model has no price: its calls have NULL cost_usd
-- until an override or a price-library update covers it. One row per unpriced
-- model string and source; the names are also logged when the test runs.
{{ log_found_rows(
    'unpriced_models',
    "'WARNING unpriced model: ' || model_raw || ' in ' || source_name"
    ~ " || ' (' || requests || ' calls, cost_usd NULL)'",
) }}
select
    source_name,
    provider,
    model_raw,
    requests,
    total_tokens,
    first_seen_at,
    last_seen_at
from {{ ref('unpriced_models') }}
