-- One generation per trip_planner generations row. A call failed when its node
-- failed and it produced no output; the node's error message is the call's.
with

generations as (

    select * from {{ ref('stg_trip_planner__generations') }}
    where quarantine_rule is null  -- set-aside rows: marts.quarantined_rows

),

nodes as (

    select * from {{ ref('stg_trip_planner__nodes') }}

),

workflows as (

    select * from {{ ref('stg_trip_planner__workflows') }}

),

generations_joined as (

    select
        ----------  ids
        generations.source_name
        || ':generations:'
        || generations.generation_key as generation_id,
        'trip_planner' as source_system,
        generations.source_name,
        'generations' as source_table,
        generations.generation_key as source_key,
        cast(null as {{ string_type() }}) as tenant_id,
        generations.source_name || ':' || workflows.user_key as user_id,
        generations.source_name
        || ':'
        || generations.workflow_key as session_id,

        ---------- strings
        nodes.node_name as operation,
        generations.provider_raw,
        generations.model_raw,
        case
            when generations.output is null and nodes.node_status = 'failed'
                then 'error'
            else 'success'
        end as status,
        case
            when generations.output is null and nodes.node_status = 'failed'
                then nodes.error_message
        end as error_message,
        'columns' as token_source,
        cast(null as {{ string_type() }}) as field_dialects,

        ---------- numerics
        generations.input_tokens,
        generations.output_tokens,
        cast(null as bigint) as cache_read_tokens,
        cast(null as bigint) as cache_creation_tokens,
        cast(null as bigint) as cache_write_1h_tokens,
        cast(null as bigint) as reasoning_tokens,
        generations.total_tokens as reported_total_tokens,
        generations.latency_ms,
        cast(null as double) as time_to_first_token_ms,
        cast(null as double) as reported_cost_usd,

        ---------- booleans
        false as is_batch,
        false as has_dialect_conflict,

        ---------- timestamps
        generations.created_at as started_at,
        generations.loaded_at,

        ---------- bad input kept and flagged (docs/bad_input.md)
        generations.text_issues,
        generations.has_unparseable_json

    from generations
    left join nodes
        on
            generations.source_name = nodes.source_name
            and generations.node_key = nodes.node_key
    left join workflows
        on
            generations.source_name = workflows.source_name
            and generations.workflow_key = workflows.workflow_key

)

select * from generations_joined
