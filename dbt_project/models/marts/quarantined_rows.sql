-- Every landed call row set aside by a rule of SPEC §5, with the offending
-- value. The call rows that pass are in generations; landing_accounting
-- balances both.
{%- set call_models = [
    ('ai_process_log', 'ai_process_log', 'stg_ai_process_log__ai_process_logs',
     'log_key'),
    ('trip_planner', 'generations', 'stg_trip_planner__generations',
     'generation_key'),
    ('text2sql', 'query_analytics', 'stg_text2sql__query_analytics',
     'query_analytics_key'),
    ('instagram_feed', 'instagram_feeds', 'stg_instagram_feed__instagram_feeds',
     'instagram_feed_key'),
    ('ml_gateway', 'chat_logs', 'stg_ml_gateway__chat_logs', 'chat_log_key'),
] %}

with

{% for system, table, model, key in call_models %}
    {{ system }}_set_aside as (

        select
            source_name,
            '{{ system }}' as source_system,
            '{{ table }}' as source_table,
            cast({{ key }} as {{ string_type() }}) as source_row_key,
            duplicate_rank,
            quarantine_rule as rule,
            offending_value,
            load_id,
            loaded_at
        from {{ ref(model) }}
        where quarantine_rule is not null

    ),

{% endfor %}
unioned as (

    {% for system, _table, _model, _key in call_models %}
        select * from {{ system }}_set_aside
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

final as (

    select
        ----------  ids
        {{ surrogate_key([
            'source_name', 'source_table', 'source_row_key', 'duplicate_rank'
        ]) }} as quarantined_row_id,
        source_name,
        source_system,
        source_table,
        source_row_key,

        ---------- strings
        rule,
        offending_value,
        load_id,

        ---------- numerics
        duplicate_rank,

        ---------- timestamps
        loaded_at

    from unioned

)

select * from final
