-- How each step of a workflow performs: trip_planner's LangGraph nodes (every
-- node, LLM or not, with its own duration, status and error) and
-- ai_process_log's pipeline steps (node_name; each row is one step, timed by
-- its latency, with no failure recorded). Grain: one row per source x step.
-- A step's share of its workflow's time and cost is against all steps of the
-- same source.
with

nodes as (

    select * from {{ ref('stg_trip_planner__nodes') }}

),

generations as (

    select * from {{ ref('generations') }}

),

step_runs as (

    select
        source_name,
        'trip_planner' as source_system,
        node_name as step_name,
        node_type as step_type,
        duration_ms,
        case when node_status = 'failed' then 1 else 0 end as is_failed,
        case when node_status = 'skipped' then 1 else 0 end as is_skipped
    from nodes
    union all
    select
        source_name,
        source_system,
        operation as step_name,
        cast(null as {{ string_type() }}) as step_type,
        latency_ms as duration_ms,
        cast(null as integer) as is_failed,
        cast(null as integer) as is_skipped
    from generations
    where source_system = 'ai_process_log'

),

step_times as (

    select
        source_name,
        source_system,
        step_name,
        min(step_type) as step_type,
        count(*) as executions,
        sum(is_failed) as failures,
        sum(is_skipped) as skipped,
        count(duration_ms) as executions_timed,
        {{ exact_percentiles('duration_ms', [0.5, 0.95]) }} as pcts,
        sum(duration_ms) as total_duration_ms
    from step_runs
    group by source_name, source_system, step_name

),

step_calls as (

    select
        source_name,
        operation as step_name,
        count(*) as llm_calls,
        cast(sum(total_tokens) as bigint) as total_tokens,
        cast(sum(input_tokens) as bigint) as input_tokens,
        cast(sum(output_tokens) as bigint) as output_tokens,
        sum(cost_usd) as known_cost_usd,
        sum(case when cost_usd is null then 1 else 0 end) as unpriced_calls
    from generations
    where source_system in ('trip_planner', 'ai_process_log')
    group by source_name, operation

),

final as (

    select
        ----------  ids
        {{ surrogate_key(['step_times.source_name', 'step_times.step_name']) }}
            as step_performance_id,
        step_times.source_name,
        step_times.source_system,

        ---------- strings
        step_times.step_name,
        step_times.step_type,

        ---------- numerics
        step_times.executions,
        cast(step_times.failures as bigint) as failures,
        cast(step_times.skipped as bigint) as skipped,
        step_times.executions_timed,
        {{ list_at('step_times.pcts', 1) }} as p50_duration_ms,
        {{ list_at('step_times.pcts', 2) }} as p95_duration_ms,
        step_times.total_duration_ms,
        coalesce(step_calls.llm_calls, 0) as llm_calls,
        step_calls.input_tokens,
        step_calls.output_tokens,
        step_calls.total_tokens,
        step_calls.known_cost_usd,
        cast(
            coalesce(step_calls.unpriced_calls, 0) as bigint
        ) as unpriced_calls,
        step_times.total_duration_ms / nullif(
            sum(step_times.total_duration_ms)
                over (partition by step_times.source_name),
            0
        ) as share_of_workflow_time,
        cast(step_calls.known_cost_usd as double) / nullif(
            cast(
                sum(step_calls.known_cost_usd)
                    over (partition by step_times.source_name)
                as double
            ),
            0
        ) as share_of_workflow_cost

    from step_times
    left join step_calls
        on
            step_times.source_name = step_calls.source_name
            and step_times.step_name is not distinct from step_calls.step_name

)

select * from final
