-- The configured sources, as the last extract read them from the sources file
-- (ingest/registry.py). A view: it reads the registry when queried.
{{ config(materialized='view') }}

with

source as (

    select * from {{ source('landing', 'sources') }}

),

renamed as (

    select
        ----------  ids
        source_name,

        ---------- strings
        source_system,
        source_timezone,

        ---------- numerics
        freshness_warn_hours,
        freshness_error_hours,
        quota_hour_tokens,
        quota_day_tokens,
        quota_month_tokens,

        ---------- timestamps
        configured_at

    from source

)

select * from renamed
