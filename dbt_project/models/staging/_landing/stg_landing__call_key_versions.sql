-- One row per version of a call: a source key of a system's call table (var
-- `systems`) and a load that landed it, with how many rows of the key that
-- load holds, and the version it replaced (the key's previous load and its
-- rows there). Counted straight from the Parquet files, once per load: an
-- incremental run reads only the files of loads it holds no version of
-- (docs/nightly.md), and appends their versions. The independent count behind
-- stg_landing__call_loads and marts.landing_accounting: a version is replaced
-- by the key's next load, whatever the staging models keep. Tested at night on
-- the versions of the loads it appended (macros/nightly_tests.sql).
{{ config(
    materialized=keyed_incremental(),
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook="{{ drop_call_key_versions_to_reread() }}",
    meta={'nightly_tests': {'loaded_at': 'loaded_at'}},
) }}

{%- set plans = call_key_plans() %}

with

{% for system, facts in var('systems').items() %}
    {{ system }}_new as (

        select
            _source_name as source_name,
            '{{ system }}' as source_system,
            '{{ facts.call_table }}' as source_table,
            cast({{ facts.call_key }} as {{ string_type() }}) as source_key,
            _load_id as load_id,
            _loaded_at as loaded_at,
            count(*) as landed_rows
        from {{ new_call_loads(plans, system, facts.call_table) }}
        group by _source_name, {{ facts.call_key }}, _load_id, _loaded_at

    ),

{% endfor %}
new_versions as (

    {% for system in var('systems') %}
        select * from {{ system }}_new
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

{% if is_incremental() %}
    -- the newest version held of each key that came again: the one the first
    -- new version replaces (a source whose loads came out of order is read
    -- whole, its versions dropped first: no new load is older than a held one)
    held_versions as (

        select
            held.source_name,
            held.source_system,
            held.source_table,
            held.source_key,
            max(held.load_id) as load_id,
            max(held.loaded_at) as loaded_at,
            arg_max(held.landed_rows, held.load_id) as landed_rows
        from {{ this }} as held
        semi join new_versions
            on
                held.source_name = new_versions.source_name
                and held.source_table = new_versions.source_table
                and held.source_key is not distinct from new_versions.source_key
        group by
            held.source_name,
            held.source_system,
            held.source_table,
            held.source_key

    ),
{% endif %}

versions as (

    select
        *,
        true as is_new
    from new_versions
    {% if is_incremental() %}
        union all
        select
            *,
            false as is_new
        from held_versions
    {% endif %}

),

chained as (

    select
        *,
        lag(load_id) over key_versions as replaced_load_id,
        lag(landed_rows) over key_versions as replaced_rows
    from versions
    window key_versions as (
        partition by source_name, source_table, source_key
        order by load_id
    )

),

final as (

    select
        ----------  ids
        source_name,
        source_system,
        source_table,
        source_key,
        load_id,
        replaced_load_id,

        ---------- numerics
        landed_rows,
        replaced_rows,

        ---------- timestamps
        loaded_at

    from chained
    where is_new

)

select * from final
