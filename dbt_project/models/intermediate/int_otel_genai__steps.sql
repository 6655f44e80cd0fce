-- The steps around the model calls of an OpenTelemetry-instrumented app (agent
-- runs, tool calls, retrievals, workflows), shaped like trip_planner's nodes:
-- one row per step span, in the workflow its parent chain leads to (the
-- topmost GenAI span above it: a workflow or agent span, else the step
-- itself), numbered in start order within that workflow.
with recursive

step_spans as (

    select * from {{ ref('stg_otel_genai__step_spans') }}

),

llm_spans as (

    select * from {{ ref('stg_otel_genai__llm_spans') }}
    where quarantine_rule is null

),

genai_spans as (

    -- every span a parent chain can pass through
    {% for spans in ['step_spans', 'llm_spans'] %}
        select
            source_name,
            trace_id,
            span_id,
            parent_span_id,
            workflow_name,
            agent_name,
            span_name
        from {{ spans }}
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

parent_chain as (

    select
        source_name,
        trace_id,
        span_id as step_span_id,
        span_id as ancestor_span_id,
        parent_span_id,
        0 as depth
    from step_spans
    union all
    select
        parent_chain.source_name,
        parent_chain.trace_id,
        parent_chain.step_span_id,
        genai_spans.span_id as ancestor_span_id,
        genai_spans.parent_span_id,
        parent_chain.depth + 1 as depth
    from parent_chain
    inner join genai_spans
        on
            parent_chain.source_name = genai_spans.source_name
            and parent_chain.trace_id = genai_spans.trace_id
            and parent_chain.parent_span_id = genai_spans.span_id
    where parent_chain.depth < 64  -- a cycle in bad input ends here

),

workflow_roots as (

    select
        source_name,
        trace_id,
        step_span_id,
        ancestor_span_id as root_span_id
    from parent_chain
    qualify row_number() over (
        partition by source_name, trace_id, step_span_id
        order by depth desc
    ) = 1

),

steps_joined as (

    select
        ----------  ids
        step_spans.source_name,
        step_spans.span_record_key as node_key,
        step_spans.source_name
        || ':'
        || step_spans.trace_id
        || ':'
        || workflow_roots.root_span_id as workflow_key,
        case
            when step_spans.parent_span_id is not null
                then step_spans.trace_id || ':' || step_spans.parent_span_id
        end as parent_node_key,
        step_spans.trace_id,

        ---------- strings
        coalesce(
            step_spans.tool_name,
            step_spans.agent_name,
            step_spans.workflow_name,
            step_spans.data_source_id,
            step_spans.span_name
        ) as node_name,
        coalesce(step_spans.operation_name, 'other') as node_type,
        coalesce(
            roots.workflow_name, roots.agent_name, roots.span_name
        ) as workflow_name,
        case
            when
                step_spans.status_code = 'STATUS_CODE_ERROR'
                or step_spans.error_type is not null
                then 'failed'
            else 'completed'
        end as node_status,
        case
            when
                step_spans.status_code = 'STATUS_CODE_ERROR'
                or step_spans.error_type is not null
                then coalesce(step_spans.status_message, step_spans.error_type)
        end as error_message,
        step_spans.tenant as tenant_id,

        ---------- numerics
        row_number() over (
            partition by
                step_spans.source_name,
                step_spans.trace_id,
                workflow_roots.root_span_id
            order by step_spans.started_at, step_spans.span_id
        ) as execution_order,
        step_spans.duration_ms,

        ---------- timestamps
        step_spans.started_at,
        step_spans.ended_at as completed_at,
        step_spans.loaded_at,
        step_spans.load_id

    from step_spans
    inner join workflow_roots
        on
            step_spans.source_name = workflow_roots.source_name
            and step_spans.trace_id = workflow_roots.trace_id
            and step_spans.span_id = workflow_roots.step_span_id
    left join genai_spans as roots
        on
            workflow_roots.source_name = roots.source_name
            and workflow_roots.trace_id = roots.trace_id
            and workflow_roots.root_span_id = roots.span_id

)

select * from steps_joined
