-- How each step of a workflow performs: trip_planner's LangGraph nodes (every
-- node, LLM or not, with its own duration, status and error),
-- ai_process_log's pipeline steps (node_name; each row is one step, timed by
-- its latency, with no failure recorded) and the agent, tool and workflow
-- spans of OpenTelemetry sources (a call counts in the step span that is its
-- parent). The systems with steps are declared in the dbt var systems
-- (steps_model, steps_from_calls, call_steps_model). Grain: one row per
-- source x step.
-- A step's share of its workflow's time and cost is against all steps of the
-- same source.
{%- set step_systems = {} %}
{%- for system, facts in var('systems').items()
    if facts.steps_model or facts.steps_from_calls %}
    {%- do step_systems.update({system: facts}) %}
{%- endfor %}
with

generations as (

    select * from {{ ref('generations') }}

),

-- every system's step runs (the dbt var systems: steps_model, or each call a
-- step when steps_from_calls)
step_runs as (

    {% for system, facts in step_systems.items() %}
        {% if facts.steps_model %}
            select
                source_name,
                '{{ system }}' as source_system,
                node_name as step_name,
                node_type as step_type,
                duration_ms,
                case when node_status = 'failed' then 1 else 0 end as is_failed,
                case when node_status = 'skipped' then 1 else 0 end
                    as is_skipped
            from {{ ref(facts.steps_model) }}
        {% else %}
            select
                source_name,
                source_system,
                operation as step_name,
                cast(null as {{ string_type() }}) as step_type,
                latency_ms as duration_ms,
                cast(null as integer) as is_failed,
                cast(null as integer) as is_skipped
            from generations
            where source_system = '{{ system }}'
        {% endif %}
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

steps_of_calls as (

    {{ call_steps_union() }}

),

-- the step each call of a system with steps was made in
-- (macros/call_steps.sql): the system's call_steps_model, else its
-- operation; a call under no step span counts in no step
call_steps as (

    select
        generations.*,
        {{ call_step_name('generations', 'steps_of_calls') }} as step_name
    from generations
    left join steps_of_calls
        on generations.generation_id = steps_of_calls.generation_id
    where
        generations.source_system in (
            {%- for system in step_systems %}
                '{{ system }}'{{ ',' if not loop.last }}
            {%- endfor %}
        )
        and (
            coalesce(
                generations.source_system not in ({{ call_step_systems() }}),
                true
            )
            or steps_of_calls.generation_id is not null
        )

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
        -- summed as decimal: a float sum depends on the order rows arrive in
        sum(cast(duration_ms as decimal(38, 6))) as total_duration_exact
    from step_runs
    group by source_name, source_system, step_name

),

step_calls as (

    select
        source_name,
        step_name,
        count(*) as llm_calls,
        cast(sum(total_tokens) as bigint) as total_tokens,
        cast(sum(input_tokens) as bigint) as input_tokens,
        cast(sum(output_tokens) as bigint) as output_tokens,
        sum(cost_usd) as known_cost_usd,
        sum(case when cost_usd is null then 1 else 0 end) as unpriced_calls
    from call_steps
    group by source_name, step_name

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
        cast(step_times.total_duration_exact as double) as total_duration_ms,
        coalesce(step_calls.llm_calls, 0) as llm_calls,
        step_calls.input_tokens,
        step_calls.output_tokens,
        step_calls.total_tokens,
        step_calls.known_cost_usd,
        cast(
            coalesce(step_calls.unpriced_calls, 0) as bigint
        ) as unpriced_calls,
        cast(step_times.total_duration_exact as double) / nullif(
            cast(
                sum(step_times.total_duration_exact)
                    over (partition by step_times.source_name)
                as double
            ),
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
