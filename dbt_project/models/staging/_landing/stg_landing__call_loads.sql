-- Rows landed per source, call table and load, and how many of them are
-- older versions of a key that a newer load replaced, for the call table of
-- every system (var `systems`): sums over stg_landing__call_key_versions,
-- which counted them from the Parquet files. The independent side of
-- marts.landing_accounting.
with

key_versions as (

    select * from {{ ref('stg_landing__call_key_versions') }}

),

landed as (

    select
        source_name,
        source_system,
        source_table,
        load_id,
        loaded_at,
        cast(sum(landed_rows) as bigint) as landed_rows
    from key_versions
    group by source_name, source_system, source_table, load_id, loaded_at

),

superseded as (

    select
        source_name,
        source_table,
        replaced_load_id as load_id,
        cast(sum(replaced_rows) as bigint) as superseded_rows
    from key_versions
    where replaced_load_id is not null
    group by source_name, source_table, replaced_load_id

),

final as (

    select
        ----------  ids
        landed.source_name,
        landed.source_system,
        landed.source_table,
        landed.load_id,

        ---------- numerics
        landed.landed_rows,
        coalesce(superseded.superseded_rows, 0) as superseded_rows,

        ---------- timestamps
        landed.loaded_at

    from landed
    left join superseded
        on
            landed.source_name = superseded.source_name
            and landed.source_table = superseded.source_table
            and landed.load_id = superseded.load_id

)

select * from final
