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

with

{% if is_incremental() %}
    -- the traces worked out again (see above)
    traces_rebuilt as (

        {% for spans in ['step_spans', 'llm_spans'] %}
            select
                source_name,
                trace_id
            from {{ ref('stg_otel_genai__' ~ spans) }}
            where loaded_at > (select max(loaded_at) from {{ this }})
            union
        {% endfor %}
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

genai_spans as {{ materialized_cte() }} (

    -- every span a parent chain can pass through, numbered (node_id) to
    -- follow the chains on one integer instead of source, trace and span id
    {%- set span_key = ['source_name', 'trace_id', 'span_id', 'node_kind'] %}
    select
        {{ row_ids(span_key) }} as node_id,
        spans.*
    from (
        {% for spans in ['step_spans', 'llm_spans'] %}
            select
                source_name,
                trace_id,
                span_id,
                parent_span_id,
                workflow_name,
                agent_name,
                span_name,
                '{{ spans }}' as node_kind
            from {{ spans }}
            {% if not loop.last %}union all{% endif %}
        {% endfor %}
    ) as spans

),

-- Each span's topmost ancestor by pointer doubling: a span's parent among
-- the GenAI spans of its trace (the span itself at the top of its chain),
-- then six times the ancestor of the ancestor, which reaches 2^6 = 64 steps
-- up: the top of every chain of up to 64 spans (a cycle in bad input ends
-- there). Six joins of two integers each, where a recursive CTE holds a
-- row per span and ancestor (it ran out of memory at 3e7 calls).
ancestors_0 as {{ materialized_cte() }} (

    select
        spans.node_id,
        coalesce(min(parents.node_id), spans.node_id) as ancestor_id
    from genai_spans as spans
    left join genai_spans as parents
        on
            spans.source_name = parents.source_name
            and spans.trace_id = parents.trace_id
            and spans.parent_span_id = parents.span_id
    group by spans.node_id

),

{% for step in range(1, 7) %}
    ancestors_{{ step }} as {{ materialized_cte() }} (

        select
            spans.node_id,
            ancestors.ancestor_id
        from ancestors_{{ step - 1 }} as spans
        inner join ancestors_{{ step - 1 }} as ancestors
            on spans.ancestor_id = ancestors.node_id

    ),
{% endfor %}

workflow_roots as (

    select
        steps.source_name,
        steps.trace_id,
        steps.span_id as step_span_id,
        roots.span_id as root_span_id,
        roots.workflow_name,
        roots.agent_name,
        roots.span_name
    from genai_spans as steps
    inner join ancestors_6 on steps.node_id = ancestors_6.node_id
    inner join genai_spans as roots on ancestors_6.ancestor_id = roots.node_id
    where steps.node_kind = 'step_spans'

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
            workflow_roots.workflow_name,
            workflow_roots.agent_name,
            workflow_roots.span_name
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

)

select * from steps_joined
