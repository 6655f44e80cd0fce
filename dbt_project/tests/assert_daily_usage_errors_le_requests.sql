-- A group cannot fail more calls than it made, nor lack a price for more.
select
    daily_usage_id,
    requests,
    errors,
    unpriced_requests
-- at night, the rows the refresh rebuilt (macros/nightly_tests.sql)
from {{ get_where_subquery(ref('daily_usage')) }}
where errors > requests or unpriced_requests > requests or requests < 1
