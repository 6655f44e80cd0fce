-- The app's own running token counter of each user (text2sql users.token_usage)
-- against what the log holds: input + output tokens of the user's kept calls,
-- failed ones included. A disagreement says the app's quota checks saw another
-- number than the log does (calls it did not count, or rows set aside here).
with

text2sql_users as (

    select * from {{ ref('stg_text2sql__users') }}

),

generations as (

    select * from {{ ref('generations') }}

),

logged as (

    select
        source_name,
        user_id,
        count(*) as logged_calls,
        cast(sum(coalesce(total_tokens, 0)) as bigint) as logged_tokens
    from generations
    where source_system = 'text2sql' and user_id is not null
    group by source_name, user_id

),

final as (

    select
        ----------  ids
        text2sql_users.source_name || ':' || text2sql_users.user_key as user_id,
        text2sql_users.source_name,
        'text2sql' as source_system,

        ---------- numerics
        text2sql_users.reported_token_usage as app_counter_tokens,
        coalesce(logged.logged_tokens, 0) as logged_tokens,
        coalesce(logged.logged_calls, 0) as logged_calls,
        text2sql_users.reported_token_usage
        - coalesce(logged.logged_tokens, 0) as counter_minus_logged,

        ---------- booleans
        coalesce(
            text2sql_users.reported_token_usage
            = coalesce(logged.logged_tokens, 0),
            false
        ) as counter_agrees

    from text2sql_users
    left join logged
        on
            text2sql_users.source_name = logged.source_name
            and text2sql_users.source_name || ':' || text2sql_users.user_key
            = logged.user_id

)

select * from final
