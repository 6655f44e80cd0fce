{{ incremental_whole_table('instagram_feed', 'llm_models') }}

with

source as (

    {{ latest_rows(
        replaced_landing('instagram_feed', 'llm_models'), ['llm_model_id']
    ) }}

),

renamed as (

    select
        ----------  ids
        _source_name as source_name,
        llm_model_id as llm_model_key,

        ---------- strings
        model_name,
        model_version,
        provider as provider_raw,
        description,

        ---------- numerics
        default_temperature,
        default_max_tokens,
        prompt_token_cost_per_1m as input_cost_per_1m_usd,
        completion_token_cost_per_1m as output_cost_per_1m_usd,

        ---------- booleans
        coalesce(lower(is_active) = 'true', false) as is_active,

        ---------- timestamps
        created_at,
        updated_at,
        _loaded_at as loaded_at,
        _load_id as load_id

    from source

)

select * from renamed
