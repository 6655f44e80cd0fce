-- One user of one source: every user seen in a source's user table or in its
-- calls. user_id is '<source_name>:<source user id>', unique across sources.
with

generations as (

    select * from {{ ref('generations') }}

),

{% for system, facts in var('systems').items() if facts.users_model %}
    {{ system }}_users as (

        select * from {{ ref(facts.users_model) }}

    ),

{% endfor %}
-- the users each system's user (or session) table names, var `systems`
known_users as (

    {% for system, facts in var('systems').items() if facts.users_model %}
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
        from {{ system }}_users
        where user_key is not null
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

activity as (

    select
        user_id,
        min(source_system) as source_system,
        min(source_name) as source_name,
        count(*) as generations,
        count(*) filter (where status = 'error') as errors,
        count(distinct session_id) as sessions,
        cast(sum(input_tokens) as bigint) as input_tokens,
        cast(sum(output_tokens) as bigint) as output_tokens,
        cast(sum(total_tokens) as bigint) as total_tokens,
        sum(cost_usd) as cost_usd,
        count(*) filter (where cost_usd is null) as unpriced_generations,
        min(started_at) as first_activity_at,
        max(started_at) as last_activity_at
    from generations
    where user_id is not null
    group by user_id

),

all_users as (

    select
        user_id,
        min(source_system) as source_system,
        min(source_name) as source_name,
        min(user_key) as user_key,
        min(registered_at) as registered_at
    from known_users
    group by user_id
    union all
    select
        activity.user_id,
        activity.source_system,
        activity.source_name,
        substr(activity.user_id, length(activity.source_name) + 2) as user_key,
        cast(null as {{ timestamptz_type() }}) as registered_at
    from activity
    where activity.user_id not in (select known_users.user_id from known_users)

),

final as (

    select
        ----------  ids
        all_users.user_id,
        all_users.source_system,
        all_users.source_name,
        all_users.user_key,

        ---------- numerics
        coalesce(activity.generations, 0) as generations,
        coalesce(activity.errors, 0) as errors,
        coalesce(activity.sessions, 0) as sessions,
        activity.input_tokens,
        activity.output_tokens,
        activity.total_tokens,
        activity.cost_usd,
        coalesce(activity.unpriced_generations, 0) as unpriced_generations,

        ---------- timestamps
        all_users.registered_at,
        activity.first_activity_at,
        activity.last_activity_at

    from all_users
    left join activity on all_users.user_id = activity.user_id

)

select * from final
