-- The steps around the model calls of an OpenTelemetry-instrumented app (agent
-- runs, tool calls, retrievals, workflows), shaped like trip_planner's nodes:
-- one row per step span, in the workflow its parent chain leads to (the
-- topmost GenAI span above it: a workflow or agent span, else the step
-- itself), numbered in start order within that workflow.
-- Incremental by trace (docs/nightly.md): every row depends on its trace's
-- spans only, so a nightly build works out again the traces with a span
-- loaded after the newest step it holds, and every trace of a source whose
-- step count differs from the staging's (a source that came back, or loads
-- landed out of order); delete+insert replaces those traces whole. The
-- pre-hook deletes the rows of sources no longer landed and of a step span
-- exported again as a model call span. A table on Spark (keyed_incremental).
{{
    config(
        materialized=keyed_incremental(),
        incremental_strategy='delete+insert',
        unique_key=['source_name', 'trace_id'],
        on_schema_change='fail',
        meta={'nightly_tests': {'loaded_at': 'loaded_at'}},
        pre_hook="{% if is_incremental() %}
            delete from {{ this }}
            where
                source_name not in (
                    select source_name
                    from {{ ref('stg_otel_genai__step_spans') }}
                )
                or node_key in (
                    select span_record_key
                    from {{ ref('stg_otel_genai__llm_spans') }}
                    where loaded_at > (select max(loaded_at) from {{ this }})
                )
        {% endif %}",
    )
}}

with recursive

{% if is_incremental() %}
    -- the traces worked out again (see above)
    traces_rebuilt as (

        select
            source_name,
            trace_id
        from {{ ref('stg_otel_genai__step_spans') }}
        where loaded_at > (select max(loaded_at) from {{ this }})
        union
        select
            source_name,
            trace_id
        from {{ ref('stg_otel_genai__llm_spans') }}
        where loaded_at > (select max(loaded_at) from {{ this }})
        union
        select
            spans.source_name,
            spans.trace_id
        from {{ ref('stg_otel_genai__step_spans') }} as spans
        where spans.source_name in (
            select coalesce(staged.source_name, held.source_name)
            from (
                select
                    source_name,
                    count(*) as steps
                from {{ ref('stg_otel_genai__step_spans') }}
                group by source_name
            ) as staged
            full outer join (
                select
                    source_name,
                    count(*) as steps
                from {{ this }}
                group by source_name
            ) as held
                on staged.source_name = held.source_name
            where staged.steps is distinct from held.steps
        )

    ),
{% endif %}

staged_step_spans as (

    select * from {{ ref('stg_otel_genai__step_spans') }}

),

staged_llm_spans as (

    select * from {{ ref('stg_otel_genai__llm_spans') }}
    where quarantine_rule is null

),

{% for spans in ['step_spans', 'llm_spans'] %}
    {{ spans }} as (

        select * from staged_{{ spans }}
        {% if is_incremental() -%}
            where exists (
                select 1
                from traces_rebuilt
                where
                    traces_rebuilt.source_name = staged_{{ spans }}.source_name
                    and traces_rebuilt.trace_id = staged_{{ spans }}.trace_id
            )
        {%- endif %}

    ),
{% endfor %}

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
