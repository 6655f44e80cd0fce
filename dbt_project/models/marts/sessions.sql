-- One conversation (ai_process_log chat session, text2sql chat session),
-- workflow run (trip_planner) or job (instagram_feed), as seen through its
-- calls.
with

generations as (

    select * from {{ ref('generations') }}

),

final as (

    select
        ----------  ids
        session_id,
        any_value(source_system) as source_system,
        any_value(source_name) as source_name,
        any_value(tenant_id) as tenant_id,
        any_value(user_id) as user_id,

        ---------- numerics
        count(*) as generations,
        count(*) filter (where status = 'error') as errors,
        cast(sum(input_tokens) as bigint) as input_tokens,
        cast(sum(output_tokens) as bigint) as output_tokens,
        cast(sum(total_tokens) as bigint) as total_tokens,
        sum(cost_usd) as cost_usd,
        count(*) filter (where cost_usd is null) as unpriced_generations,
        sum(latency_ms) as total_latency_ms,

        ---------- timestamps
        min(started_at) as started_at,
        max(started_at) as ended_at

    from generations
    where session_id is not null
    group by session_id

)

select * from final
