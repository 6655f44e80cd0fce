{#- The step each call was made in, one rule for every mart that needs it
    (sessions, step_performance): for a system with a call_steps_model (dbt var
    systems) the step span the call sits under, else the call's operation. -#}

{#- The systems whose calls are placed in steps by a call_steps_model, quoted
    for an `in (...)` list ('null' when none). -#}
{% macro call_step_systems() -%}
    {%- set quoted = [] %}
    {%- for system, facts in var('systems').items() if facts.call_steps_model %}
        {%- do quoted.append("'" ~ system ~ "'") %}
    {%- endfor %}
    {{- quoted | join(', ') or 'null' -}}
{%- endmacro %}


{#- generation_id -> step_name of every call_steps_model, as one relation. -#}
{% macro call_steps_union() -%}
    {%- for system, facts in var('systems').items() if facts.call_steps_model %}
        select
            generation_id,
            step_name
        from {{ ref(facts.call_steps_model) }}
        union all
    {%- endfor %}
    select
        cast(null as {{ string_type() }}) as generation_id,
        cast(null as {{ string_type() }}) as step_name
    where false
{%- endmacro %}


{#- The step of a call: `calls` a generations alias, `steps` the alias of
    call_steps_union() left-joined to it on generation_id (NULL: a call of a
    call-steps system under no step span). -#}
{% macro call_step_name(calls, steps) -%}
    case
        when {{ calls }}.source_system in ({{ call_step_systems() }})
            then {{ steps }}.step_name
        else {{ calls }}.operation
    end
{%- endmacro %}
