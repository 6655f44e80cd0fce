-- One row per configured source (the registry every extract writes): when its
-- call table last landed rows, and how that compares with its system's
-- thresholds (ingest/systems/<system>.py). The small tables are left out:
-- they land only when they change, so their age says nothing. A configured
-- source with no landed call row is never_loaded, which counts as an error.
-- Computed at build time (checked_at); the tests warn_sources_past_warn_hours
-- and assert_sources_within_error_hours make every `dbt build` (so every
-- nightly) the freshness check.

with

configured_sources as (

    select * from {{ ref('stg_landing__sources') }}

),

call_loads as (

    select * from {{ ref('stg_landing__call_loads') }}

),

last_loads as (

    select
        source_name,
        source_system,
        max(loaded_at) as last_loaded_at
    from call_loads
    group by source_name, source_system

),

sources_joined_to_last_loads as (

    select
        configured_sources.source_name,
        configured_sources.source_system,
        configured_sources.freshness_warn_hours,
        configured_sources.freshness_error_hours,
        configured_sources.configured_at,
        last_loads.last_loaded_at,
        {{ dbt.current_timestamp() }} as checked_at
    from configured_sources
    left join last_loads
        on
            configured_sources.source_name = last_loads.source_name
            and configured_sources.source_system = last_loads.source_system

),

ages as (

    select
        *,
        {{ dbt.datediff('last_loaded_at', 'checked_at', 'second') }}
        / 3600.0 as hours_since_load
    from sources_joined_to_last_loads

),

final as (

    select
        ----------  ids
        source_name,

        ---------- strings
        source_system,
        case
            when last_loaded_at is null then 'never_loaded'
            when hours_since_load > freshness_error_hours then 'error'
            when hours_since_load > freshness_warn_hours then 'warn'
            else 'ok'
        end as freshness_status,

        ---------- numerics
        cast(hours_since_load as double) as hours_since_load,
        cast(freshness_warn_hours as double) as freshness_warn_hours,
        cast(freshness_error_hours as double) as freshness_error_hours,

        ---------- timestamps
        last_loaded_at,
        configured_at,
        cast(checked_at as {{ timestamptz_type() }}) as checked_at

    from ages

)

select * from final
