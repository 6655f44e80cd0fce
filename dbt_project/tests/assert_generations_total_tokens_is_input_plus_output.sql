-- total_tokens is input_tokens + output_tokens (a missing side counts as 0), and NULL
-- only when both are. The source's own total is reported_total_tokens, not this.
select
    generation_id,
    input_tokens,
    output_tokens,
    total_tokens
-- at night, the rows the refresh rebuilt (macros/nightly_tests.sql)
from {{ get_where_subquery(ref('generations')) }}
where
    (
        (input_tokens is not null or output_tokens is not null)
        and total_tokens is distinct from
        coalesce(input_tokens, 0) + coalesce(output_tokens, 0)
    )
    or (
        input_tokens is null
        and output_tokens is null
        and total_tokens is not null
    )
