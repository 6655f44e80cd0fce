-- Every (provider_raw, model_raw) pair of the calls has a row in
-- stg_landing__models_resolved (ingest/models_resolved.py reads the landed
-- files the way the staging models read them; this fails when the two drift
-- apart). At night, the calls of the new loads (macros/nightly_tests.sql).
with

generations as (

    select * from {{ get_where_subquery(ref('int_generations_unioned')) }}

)

select
    generations.provider_raw,
    generations.model_raw,
    count(*) as calls
from generations
left join {{ ref('stg_landing__models_resolved') }} as models_resolved
    on
        generations.provider_raw
        is not distinct from models_resolved.provider_raw
        and generations.model_raw
        is not distinct from models_resolved.model_raw
where models_resolved.is_known_model is null
group by generations.provider_raw, generations.model_raw
