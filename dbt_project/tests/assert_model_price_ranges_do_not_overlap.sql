-- Price histories are ranges that never overlap: at most one list price per
-- provider, model, processing (standard or batch) and day, and one override
-- per provider, model and day, so a call has exactly one price.
with

list_prices as (

    select * from {{ ref('model_prices') }}

),

overrides as (

    select * from {{ ref('model_price_overrides') }}

),

ranges as (

    select
        'model_prices' as price_table,
        processing,
        provider,
        model,
        valid_from,
        valid_to
    from list_prices
    union all
    select
        'model_price_overrides' as price_table,
        'standard' as processing,
        provider,
        model,
        valid_from,
        valid_to
    from overrides

),

overlapping as (

    select
        earlier.price_table,
        earlier.processing,
        earlier.provider,
        earlier.model,
        earlier.valid_from,
        later.valid_from as overlapped_by
    from ranges as earlier
    inner join ranges as later
        on
            earlier.price_table = later.price_table
            and earlier.processing = later.processing
            and earlier.provider = later.provider
            and earlier.model = later.model
            and earlier.valid_from < later.valid_from
            and (
                earlier.valid_to is null
                or earlier.valid_to > later.valid_from
            )

)

select * from overlapping
