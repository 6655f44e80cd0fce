-- Each call priced at the list price in force on its UTC date. An override
-- (seed model_price_overrides; model '*' covers a whole provider) wins over the
-- library's list price. No price known: cost_usd is NULL, never 0; cost_status
-- says why.
with

generations as (

    select * from {{ ref('int_generations_unioned') }}

),

models_resolved as (

    select * from {{ ref('int_models_resolved') }}

),

list_prices as (

    select * from {{ ref('model_prices') }}

),

overrides as (

    select * from {{ ref('model_price_overrides') }}

),

generations_resolved as (

    select
        generations.*,
        models_resolved.provider,
        models_resolved.model,
        models_resolved.is_known_model,
        -- the UTC date whatever the session's time zone
        cast(timezone('UTC', generations.started_at) as date) as started_date
    from generations
    left join models_resolved
        on
            generations.provider_raw
            is not distinct from models_resolved.provider_raw
            and generations.model_raw
            is not distinct from models_resolved.model_raw

),

generations_joined_to_prices as (

    select
        generations_resolved.*,
        coalesce(exact_override.is_local, provider_override.is_local, false)
            as is_local_model,
        coalesce(
            exact_override.input_per_1m,
            provider_override.input_per_1m,
            list_prices.input_per_1m
        ) as input_per_1m,
        coalesce(
            exact_override.output_per_1m,
            provider_override.output_per_1m,
            list_prices.output_per_1m
        ) as output_per_1m,
        case
            when exact_override.provider is not null then 'override'
            when provider_override.provider is not null then 'override'
            when list_prices.provider is not null then list_prices.price_source
        end as price_source
    from generations_resolved
    left join overrides as exact_override
        on
            generations_resolved.provider = exact_override.provider
            and generations_resolved.model = exact_override.model
            and generations_resolved.started_date >= exact_override.valid_from
            and (
                exact_override.valid_to is null
                or generations_resolved.started_date < exact_override.valid_to
            )
    left join overrides as provider_override
        on
            generations_resolved.provider = provider_override.provider
            and provider_override.model = '*'
            and generations_resolved.started_date
            >= provider_override.valid_from
            and (
                provider_override.valid_to is null
                or generations_resolved.started_date
                < provider_override.valid_to
            )
    left join list_prices
        on
            generations_resolved.provider = list_prices.provider
            and generations_resolved.model = list_prices.model
            and generations_resolved.started_date >= list_prices.valid_from
            and (
                list_prices.valid_to is null
                or generations_resolved.started_date < list_prices.valid_to
            )

),

priced as (

    select
        *,
        case
            when is_local_model then cast(0 as decimal(38, 12))
            when input_per_1m is null or output_per_1m is null then null
            when input_tokens is null and output_tokens is null then null
            else cast(
                (
                    coalesce(input_tokens, 0) * input_per_1m
                    + coalesce(output_tokens, 0) * output_per_1m
                )
                * 0.000001 as decimal(38, 12)
            )
        end as cost_usd,
        case
            when model_raw is null then 'no_model'
            when is_local_model then 'local'
            when
                input_per_1m is null or output_per_1m is null
                then 'unpriced_model'
            when input_tokens is null and output_tokens is null then 'no_tokens'
            else 'priced'
        end as cost_status
    from generations_joined_to_prices

)

select * from priced
