-- every landed row is accounted for. Returns the loads that do not
-- balance, and rows clean or set aside that belong to no landed load.
select
    source_name,
    source_table,
    loaded_at,
    rows_landed,
    rows_clean,
    rows_set_aside,
    rows_superseded
from {{ ref('landing_accounting') }}
where rows_landed != rows_clean + rows_set_aside + rows_superseded
union all
select
    source_name,
    source_table,
    loaded_at,
    null,
    count(*),
    null,
    null
from {{ ref('generations') }} as g
where not exists (
    select 1 from {{ ref('landing_accounting') }} as a
    where
        a.source_name = g.source_name
        and a.source_table = g.source_table
        and a.loaded_at = g.loaded_at
)
group by source_name, source_table, loaded_at
