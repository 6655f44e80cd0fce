-- The step each model call of an OpenTelemetry-instrumented app was made in:
-- the step span (agent run, tool call, workflow) that is the call span's
-- parent. A call whose parent is no step span (a call at a trace's root, or
-- under a span that is not GenAI) has no row: it belongs to no step.
with

llm_spans as (

    select * from {{ ref('stg_otel_genai__llm_spans') }}
    where quarantine_rule is null  -- the calls of marts.generations

),

steps as (

    select * from {{ ref('int_otel_genai__steps') }}

),

call_steps as (

    select
        ----------  ids
        llm_spans.source_name,
        llm_spans.source_name
        || ':llm_spans:'
        || llm_spans.span_record_key as generation_id,
        steps.node_key,

        ---------- strings
        steps.node_name as step_name

    from llm_spans
    inner join steps
        on
            llm_spans.source_name = steps.source_name
            and llm_spans.trace_id || ':' || llm_spans.parent_span_id
            = steps.node_key

)

select * from call_steps
