-- Every UTC window in which a user spent more tokens than the source's quota
-- (sources.toml `quota`, else the system's default: stg_landing__sources).
-- Tokens are input + output of the user's kept calls, failed ones included.
-- Windows: the UTC clock hour, the UTC day, the UTC calendar month.
with

generations as (

    select * from {{ ref('generations') }}

),

sources as (

    select * from {{ ref('stg_landing__sources') }}

),

counters as (

    select * from {{ ref('user_token_counters') }}

),

user_calls as (

    select
        generations.source_name,
        generations.source_system,
        generations.user_id,
        generations.started_at,
        coalesce(generations.total_tokens, 0) as tokens,
        case when generations.status = 'error' then 1 else 0 end as is_failed,
        sources.quota_hour_tokens,
        sources.quota_day_tokens,
        sources.quota_month_tokens
    from generations
    inner join sources on generations.source_name = sources.source_name
    where
        generations.user_id is not null
        and (
            sources.quota_hour_tokens is not null
            or sources.quota_day_tokens is not null
            or sources.quota_month_tokens is not null
        )

),

calls_in_windows as (

    select
        source_name,
        source_system,
        user_id,
        'hour' as window_kind,
        date_trunc('hour', started_at) as window_start,
        quota_hour_tokens as token_limit,
        tokens,
        is_failed
    from user_calls
    where quota_hour_tokens is not null
    union all
    select
        source_name,
        source_system,
        user_id,
        'day' as window_kind,
        date_trunc('day', started_at) as window_start,
        quota_day_tokens as token_limit,
        tokens,
        is_failed
    from user_calls
    where quota_day_tokens is not null
    union all
    select
        source_name,
        source_system,
        user_id,
        'month' as window_kind,
        date_trunc('month', started_at) as window_start,
        quota_month_tokens as token_limit,
        tokens,
        is_failed
    from user_calls
    where quota_month_tokens is not null

),

windows as (

    select
        source_name,
        source_system,
        user_id,
        window_kind,
        window_start,
        token_limit,
        cast(sum(tokens) as bigint) as tokens,
        count(*) as calls,
        sum(is_failed) as failed_calls
    from calls_in_windows
    group by
        source_name, source_system, user_id, window_kind, window_start,
        token_limit

),

final as (

    select
        ----------  ids
        {{ surrogate_key([
            'windows.user_id', 'windows.window_kind', 'windows.window_start'
        ]) }} as quota_breach_id,
        windows.source_name,
        windows.source_system,
        windows.user_id,

        ---------- strings
        windows.window_kind,

        ---------- numerics
        windows.tokens,
        windows.token_limit,
        windows.tokens - windows.token_limit as overshoot_tokens,
        windows.calls,
        cast(windows.failed_calls as bigint) as failed_calls,

        ---------- booleans
        counters.counter_agrees as app_counter_agrees,

        ---------- timestamps
        windows.window_start,
        case windows.window_kind
            when 'hour' then windows.window_start + interval 1 hour
            when 'day' then windows.window_start + interval 1 day
            else windows.window_start + interval 1 month
        end as window_end

    from windows
    left join counters on windows.user_id = counters.user_id
    where windows.tokens > windows.token_limit

)

select * from final
