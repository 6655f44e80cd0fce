-- One conversation (ai_process_log chat session, text2sql chat session),
-- workflow run (trip_planner) or job (instagram_feed), as seen through its
-- calls: their counts, tokens and cost, its wall-clock duration and the steps
-- its calls were made in.
-- Incremental on session_id (docs/nightly.md, macros/rebuilt_keys.sql): a
-- nightly build rebuilds, from all their calls, the sessions with a call on a
-- day generations rebuilt (or that had one), and drops those left with none.
{{
    config(
        materialized=keyed_incremental(),
        unique_key='session_id',
        pre_hook="{{ drop_rebuilt_keys_without_calls(
            'session_id', 'started_at', 'ended_at') }}",
    )
}}

{%- set plan = key_rebuild_plan('session_id', 'started_at', 'ended_at') %}

with

generations as (

    {{ generations_of_rebuilt_keys(
        plan, 'session_id', 'started_at', 'ended_at'
    ) }}

),

-- the step each call was made in (macros/call_steps.sql): the system's
-- call_steps_model (a call under no step span is in none), else the call's
-- operation
call_steps as (

    {{ call_steps_union() }}

),

calls as (

    select
        generations.*,
        {{ call_step_name('generations', 'call_steps') }} as step_name,
        -- milliseconds since 1970 of the call's start
        {{ millis_between(
            timestamptz_literal('1970-01-01 00:00:00+00'), 'generations.started_at'
        ) }} as started_ms
    from generations
    left join call_steps
        on generations.generation_id = call_steps.generation_id

),

final as (

    select
        ----------  ids
        session_id,
        min(source_system) as source_system,
        min(source_name) as source_name,
        min(tenant_id) as tenant_id,
        min(user_id) as user_id,

        ---------- numerics
        count(*) as generations,
        count(*) filter (where status = 'error') as errors,
        cast(sum(input_tokens) as bigint) as input_tokens,
        cast(sum(output_tokens) as bigint) as output_tokens,
        cast(sum(total_tokens) as bigint) as total_tokens,
        sum(cost_usd) as cost_usd,
        count(*) filter (where cost_usd is null) as unpriced_generations,
        -- summed as decimal: a float sum depends on the order rows arrive in
        cast(
            sum(cast(latency_ms as decimal(38, 6))) as double
        ) as total_latency_ms,
        -- wall-clock time from the first call's start to the last call's end
        max(started_ms + coalesce(latency_ms, 0)) - min(started_ms)
            as duration_ms,
        count(distinct step_name) as steps_with_calls,

        ---------- timestamps
        min(started_at) as started_at,
        max(started_at) as ended_at,
        max(loaded_at) as last_loaded_at,

        ---------- bookkeeping: the price data the costs were computed with
        {{ price_fingerprint() }} as price_fingerprint

    from calls
    where session_id is not null
    group by session_id

)

select * from final
