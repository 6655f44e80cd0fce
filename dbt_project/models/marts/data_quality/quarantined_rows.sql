-- Every landed call row set aside by a rule of docs/bad_input.md, with the
-- offending value, from the call model of each system (var `systems`). The
-- call rows that pass are in generations; landing_accounting balances both.
-- Incremental (docs/nightly.md, macros/set_aside_rows.sql): a nightly build
-- appends the set-aside rows of the loads it has not seen, after its pre-hook
-- removed the rows those loads supersede; --full-refresh gives the same rows.
{{
    config(
        materialized=keyed_incremental(),
        incremental_strategy='append',
        pre_hook="{{ drop_superseded_set_aside() }}",
    )
}}

{%- set plan = set_aside_plan() %}

with

{% for system, facts in var('systems').items() %}
    {{ system }}_set_aside as (

        select
            source_name,
            '{{ system }}' as source_system,
            '{{ facts.call_table }}' as source_table,
            cast(
                {{ facts.call_model_key }} as {{ string_type() }}
            ) as source_row_key,
            duplicate_rank,
            quarantine_rule as rule,
            offending_value,
            load_id,
            loaded_at
        from {{ ref(facts.call_model) }}
        where
            quarantine_rule is not null
            and {{ set_aside_new_rows(plan) }}

    ),

{% endfor %}
unioned as (

    {% for system in var('systems') %}
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
