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
        max(started_at) as ended_at

    from generations
    where session_id is not null
    group by session_id

)

select * from final
