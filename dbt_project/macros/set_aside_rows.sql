{#- marts.quarantined_rows at night (docs/nightly.md): the staging call models
    keep, per source key, the rows of the newest load that brought it, so the
    set-aside rows of a key change only when a newer load brings the key. The
    plan, worked out before the build from the mart as the last build left it:
    `newest`, the newest loaded_at it holds, and `held`, the sources it holds.
    Read: the staging rows loaded after `newest`, and every row of a source it
    holds none of (a source with no row set aside yet, or one configured
    again after being parked: its loads come back with their old loaded_at). -#}
{% macro set_aside_plan() -%}
    {%- if not (execute and is_incremental()) -%}{{ return(none) }}{%- endif -%}
    {%- set row = run_query(
        "select cast(max(loaded_at) as varchar), "
        ~ "string_agg(distinct source_name, ',' order by source_name) from " ~ this
    ).rows[0] -%}
    {{ return({
        'newest': row[0] or '1900-01-01 00:00:00+00',
        'held': (row[1] or '').split(',') | reject('equalto', '') | list,
    }) }}
{%- endmacro %}


{#- The staging rows a nightly build of quarantined_rows reads (plan above). -#}
{% macro set_aside_new_rows(plan) -%}
    {%- if plan is not none -%}
        (
            loaded_at > timestamptz '{{ plan.newest }}'
            {%- if plan.held %}
                or source_name not in (
                    {%- for s in plan.held %}
                        '{{ s | replace("'", "''") }}'{{ ',' if not loop.last }}
                    {%- endfor %}
                )
            {%- else %}
                or true
            {%- endif %}
        )
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}


{#- Pre-hook of quarantined_rows: a newer load of a key replaces the rows held
    for it (set aside again, or now clean: a superseded version leaves); the
    rows of sources no longer landed (parked) go. Only keys the mart holds can
    go, so the new staging rows are joined to its rows (an inner join: the
    small side is the one hashed), not listed. NULL keys share one key, as in
    staging (macro row_key). -#}
{% macro drop_superseded_set_aside() -%}
    {%- if execute and is_incremental() -%}
        {%- set plan = set_aside_plan() -%}
        delete from {{ this }}
        where
            source_name not in (
                {%- for s in landed_call_sources() %}
                    '{{ s | replace("'", "''") }}',
                {%- endfor %}
                ''
            )
            {%- if plan.held %}
                or quarantined_row_id in (
                    {%- for system, facts in var('systems').items() %}
                        select held.quarantined_row_id
                        from {{ this }} as held
                        inner join {{ ref(facts.call_model) }} as landed
                            on
                                held.source_name = landed.source_name
                                and coalesce(held.source_row_key, '') = coalesce(
                                    cast(landed.{{ facts.call_model_key }} as varchar), ''
                                )
                        where
                            held.source_table = '{{ facts.call_table }}'
                            and landed.loaded_at > timestamptz '{{ plan.newest }}'
                        {% if not loop.last %}union all{% endif %}
                    {%- endfor %}
                )
            {%- endif %}
    {%- endif -%}
{%- endmacro %}
