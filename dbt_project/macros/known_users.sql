{#- The users each system's user (or session) table names (var `systems`):
    user_id, source_system, source_name, user_key, registered_at; one row per
    distinct row. Read by marts.users, and by its pre-hook (a user no table
    names any more and without calls leaves it). -#}
{% macro known_users() -%}
    {%- for system, facts in var('systems').items() if facts.users_model %}
        select distinct
            source_name || ':' || user_key as user_id,
            '{{ system }}' as source_system,
            source_name,
            user_key,
            {% if facts.registered_at -%}
                {{ facts.registered_at }}
            {%- else -%}
                cast(null as {{ timestamptz_type() }})
            {%- endif %} as registered_at
        from {{ ref(facts.users_model) }}
        where user_key is not null
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}
{%- endmacro %}
