-- One user of one source: every user seen in a source's user table or in its
-- calls. user_id is '<source_name>:<source user id>', unique across sources.
-- Incremental on user_id (docs/nightly.md, macros/rebuilt_keys.sql): a
-- nightly build rebuilds, from all their calls, the users with a call on a day
-- generations rebuilt (or that had one), and the users whose user-table row
-- changed (keeping their activity: their calls did not change); users left
-- with no call and no user-table row go (pre-hook).
{{
    config(
        materialized=keyed_incremental(),
        unique_key='user_id',
        pre_hook="{{ drop_rebuilt_keys_without_calls(
            'user_id', 'first_activity_at', 'last_activity_at',
            held_where='generations > 0',
            keep='select user_id from (' ~ known_users() ~ ')',
            also_drop='generations = 0 and user_id not in (select user_id from ('
                ~ known_users() ~ '))') }}",
    )
}}

{%- set plan = key_rebuild_plan(
    'user_id', 'first_activity_at', 'last_activity_at', 'generations > 0'
) %}

with

generations as (

    {{ generations_of_rebuilt_keys(
        plan, 'user_id', 'first_activity_at', 'last_activity_at'
    ) }}

),

-- the users each system's user (or session) table names, var `systems`
known_users as (

    {{ known_users() }}

),

known as (

    select
        user_id,
        min(source_system) as source_system,
        min(source_name) as source_name,
        min(user_key) as user_key,
        min(registered_at) as registered_at
    from known_users
    group by user_id

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
        max(started_at) as last_activity_at,
        max(loaded_at) as last_loaded_at
    from generations
    where user_id is not null
    group by user_id

),

{% if plan is not none %}
    -- the rows of the last build: the activity of users whose calls did not
    -- change, and their user-table facts to compare
    held as (

        select * from {{ this }}

    ),

    called as (

        {{ rebuilt_keys(
            plan, 'user_id', 'first_activity_at', 'last_activity_at'
        ) }}

    ),

    -- users whose user-table row is new, changed, or gone while they
    -- registered (their other facts follow from user_id)
    renamed as (

        select coalesce(known.user_id, held.user_id) as user_id
        from known
        full outer join held on known.user_id = held.user_id
        where
            held.user_id is null
            or (known.user_id is null and held.registered_at is not null)
            or (
                known.user_id is not null
                and known.registered_at is distinct from held.registered_at
            )

    ),

    rebuilt as (

        select user_id from called
        union
        select user_id from renamed

    ),

    activity_now as (

        select * from activity
        union all
        select
            user_id,
            source_system,
            source_name,
            generations,
            errors,
            sessions,
            input_tokens,
            output_tokens,
            total_tokens,
            cost_usd,
            unpriced_generations,
            first_activity_at,
            last_activity_at,
            last_loaded_at
        from held
        where
            generations > 0
            and user_id in (select renamed.user_id from renamed)
            and user_id not in (select called.user_id from called)

    ),
{% else %}
    activity_now as (

        select * from activity

    ),
{% endif %}

all_users as (

    select
        user_id,
        source_system,
        source_name,
        user_key,
        registered_at
    from known
    {% if plan is not none -%}
        where user_id in (select rebuilt.user_id from rebuilt)
    {%- endif %}
    union all
    select
        activity_now.user_id,
        activity_now.source_system,
        activity_now.source_name,
        substr(
            activity_now.user_id, length(activity_now.source_name) + 2
        ) as user_key,
        cast(null as {{ timestamptz_type() }}) as registered_at
    from activity_now
    where activity_now.user_id not in (select known.user_id from known)

),

final as (

    select
        ----------  ids
        all_users.user_id,
        all_users.source_system,
        all_users.source_name,
        all_users.user_key,

        ---------- numerics
        coalesce(activity_now.generations, 0) as generations,
        coalesce(activity_now.errors, 0) as errors,
        coalesce(activity_now.sessions, 0) as sessions,
        activity_now.input_tokens,
        activity_now.output_tokens,
        activity_now.total_tokens,
        activity_now.cost_usd,
        coalesce(activity_now.unpriced_generations, 0) as unpriced_generations,

        ---------- timestamps
        all_users.registered_at,
        activity_now.first_activity_at,
        activity_now.last_activity_at,
        activity_now.last_loaded_at,

        ---------- bookkeeping: the price data the costs were computed with
        {{ price_fingerprint() }} as price_fingerprint

    from all_users
    left join activity_now on all_users.user_id = activity_now.user_id

)

select * from final
