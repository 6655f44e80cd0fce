-- One conversation (ai_process_log chat session, text2sql chat session),
-- workflow run (trip_planner) or job (instagram_feed), as seen through its
-- calls.
-- Incremental on session_id (docs/nightly.md, macros/rebuilt_keys.sql): a
-- nightly build rebuilds, from all their calls, the sessions with a call on a
-- day generations rebuilt (or that had one), and drops those left with none.
{{
    config(
        materialized=keyed_incremental(),
        incremental_strategy='delete+insert',
        unique_key='session_id',
        on_schema_change='fail',
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

        ---------- timestamps
        min(started_at) as started_at,
        max(started_at) as ended_at,
        max(loaded_at) as last_loaded_at,

        ---------- bookkeeping: the price data the costs were computed with
        {{ price_fingerprint() }} as price_fingerprint

    from generations
    where session_id is not null
    group by session_id

)

select * from final
