-- Rows landed per source, call table and load, counted straight from the
-- Parquet files, and how many of them are older versions of a key that a
-- newer load replaced. The independent side of marts.landing_accounting.
{%- set call_tables = [
    ('ai_process_log', 'ai_process_log', 'id'),
    ('trip_planner', 'generations', 'id'),
    ('text2sql', 'query_analytics', 'id'),
    ('instagram_feed', 'instagram_feeds', 'instagram_feed_id'),
    ('ml_gateway', 'chat_logs', 'id'),
    ('otel_genai', 'llm_spans', 'record_key'),
] %}

with

{% for system, table, key in call_tables %}
    {{ system }}_loads as (

        select
            _source_name as source_name,
            '{{ system }}' as source_system,
            '{{ table }}' as source_table,
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
                    partition by _source_name, {{ key }}
                ) as newest_load_id
            from {{ source(system, table) }}
        ) as versions
        group by _source_name, _loaded_at

    ),

{% endfor %}
unioned as (

    {% for system, _table, _key in call_tables %}
        select * from {{ system }}_loads
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

)

select * from unioned
