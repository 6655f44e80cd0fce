-- The raw -> canonical model mapping (ingest/models_resolved.py writes it
-- after every extract, from the landed call tables): a reference table, so
-- that both engines read the same resolution (Spark cannot run a Python model).
with

source as (

    select * from {{ source('landing', 'models_resolved') }}

),

renamed as (

    select
        ---------- strings
        provider_raw,
        model_raw,
        provider,
        model,
        matched_model,
        resolved_by,

        ---------- booleans
        is_known_model

    from source

)

select * from renamed
