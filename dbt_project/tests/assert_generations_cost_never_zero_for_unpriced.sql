-- An unknown cost is NULL, never 0: cost_usd is 0 only for a local model or a
-- call that used no tokens, and NULL whenever cost_status says the call could
-- not be priced.
select
    generation_id,
    cost_status,
    is_local_model,
    cost_usd
-- at night, the rows the refresh rebuilt (macros/nightly_tests.sql)
from {{ get_where_subquery(ref('generations')) }}
where
    (
        cost_usd = 0
        and not is_local_model
        and coalesce(input_tokens, 0) + coalesce(output_tokens, 0) > 0
    )
    or (
        cost_status in ('unpriced_model', 'no_tokens', 'no_model')
        and cost_usd is not null
    )
