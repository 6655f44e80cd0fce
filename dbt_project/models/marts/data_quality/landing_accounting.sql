-- One row per source, call table and load: every landed row is either clean
-- (in generations), set aside (quarantined_rows) or an older version of a
-- key that a newer load replaced. The test
-- assert_landing_accounting_balances fails the build when rows_landed
-- differs from the sum of the three. Clean rows are counted in
-- marts.generations itself, as a refresh left it: a day the nightly rebuilt
-- wrong does not balance.
with

loads as (

    select * from {{ ref('stg_landing__call_loads') }}

),

clean as (

    select
        source_name,
        source_table,
        loaded_at,
        count(*) as clean_rows
    from {{ ref('generations') }}
    group by source_name, source_table, loaded_at

),

set_aside as (

    select
        source_name,
        source_table,
        loaded_at,
        count(*) as set_aside_rows
    from {{ ref('quarantined_rows') }}
    group by source_name, source_table, loaded_at

),

final as (

    select
        ----------  ids
        {{ surrogate_key(['loads.source_name', 'loads.source_table',
                          'loads.loaded_at']) }} as landing_accounting_id,
        loads.source_name,
        loads.source_system,
        loads.source_table,

        ---------- numerics
        loads.landed_rows as rows_landed,
        coalesce(clean.clean_rows, 0) as rows_clean,
        coalesce(set_aside.set_aside_rows, 0) as rows_set_aside,
        loads.superseded_rows as rows_superseded,

        ---------- timestamps
        loads.loaded_at

    from loads
    left join clean
        on
            loads.source_name = clean.source_name
            and loads.source_table = clean.source_table
            and loads.loaded_at = clean.loaded_at
    left join set_aside
        on
            loads.source_name = set_aside.source_name
            and loads.source_table = set_aside.source_table
            and loads.loaded_at = set_aside.loaded_at

)

select * from final
