-- Rows landed per source, call table and load, counted straight from the
-- Parquet files, and how many of them are older versions of a key that a
-- newer load replaced, for the call table of every system (var `systems`).
-- The independent side of marts.landing_accounting.
with

{% for system, facts in var('systems').items() %}
    {{ system }}_loads as (

        select
            _source_name as source_name,
            '{{ system }}' as source_system,
            '{{ facts.call_table }}' as source_table,
            _loaded_at as loaded_at,
            count(*) as landed_rows,
            count(*) filter (
                where _load_id < newest_load_id
            ) as superseded_rows
        from (
            select
                _source_name,
                _load_id,
                _loaded_at,
                max(_load_id) over (
                    partition by _source_name, {{ facts.call_key }}
                ) as newest_load_id
            from {{ source(system, facts.call_table) }}
        ) as versions
        group by _source_name, _loaded_at

    ),

{% endfor %}
unioned as (

    {% for system in var('systems') %}
        select * from {{ system }}_loads
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

)

select * from unioned
