-- Each call priced at the price in force on its UTC date. Prices are chosen
-- once per (provider, model, matched model, day), by priority: an override
-- for the exact (canonical) model, then an override for the whole provider
-- (model '*'), then the list price of the library entry the raw string
-- matched (matched_model: a dated snapshot shown under its own name is
-- priced as the alias entry it matched). Input tokens read from and written
-- to the prompt cache (parts of input_tokens, OpenAI's and OpenTelemetry's
-- convention) are billed at the cache-read and cache-write prices, the part
-- written for 1 hour at the 1-hour cache-write price, as genai-prices'
-- calc_price does (a part with no price of its own costs its parent's: the
-- cache-write, else the input price); reasoning tokens are part of
-- output_tokens and billed as output. A batch call (is_batch) pays the batch
-- prices in force on its day (processing = 'batch'), else the standard ones,
-- as calc_price with the context processing=batch does. A list price with
-- long-context tiers: a call whose input tokens (cached included) exceed a
-- tier's threshold pays that tier's prices on all its tokens, as calc_price
-- does; overrides have no tiers. No price known:
-- cost_usd is NULL, never 0; cost_status says why.
with

generations as (

    select * from {{ ref('int_generations_unioned') }}

),

models_resolved as (

    select * from {{ ref('stg_landing__models_resolved') }}

),

list_prices as (

    select * from {{ ref('model_prices') }}

),

overrides as (

    select * from {{ ref('model_price_overrides') }}

),

tiers as (

    select * from {{ ref('model_price_tiers') }}

),

tier_ranges as (

    -- a tier applies from its threshold (exclusive) to the next one (inclusive)
    select
        *,
        lead(input_tokens_over) over (
            partition by provider, model, processing, valid_from
            order by input_tokens_over
        ) as next_input_tokens_over
    from tiers

),

generations_resolved as (

    select
        generations.*,
        models_resolved.provider,
        models_resolved.model,
        models_resolved.matched_model,
        models_resolved.is_known_model,
        case when generations.is_batch then 'batch' else 'standard' end
            as processing,
        -- the UTC date whatever the session's time zone
        {{ utc_date('generations.started_at') }} as started_date
    from generations
    left join models_resolved
        on
            generations.provider_raw
            is not distinct from models_resolved.provider_raw
            and generations.model_raw
            is not distinct from models_resolved.model_raw

),

calendar as (

    -- every UTC day a kept call can have (quarantine: from 2020 to a day ahead)
    {{ date_spine("date '2020-01-01'", 'current_date + 2') }}

),

processings as (

    select 'standard' as processing
    union all
    select 'batch' as processing

),

model_days as (

    -- priced per model, processing and day from the small model table, not
    -- from the calls: the calls are then read once, so a filter on them
    -- (generations' nightly days) reaches the staging tables' scans
    select distinct
        models_resolved.provider,
        models_resolved.model,
        models_resolved.matched_model,
        processings.processing,
        calendar.started_date
    from models_resolved
    cross join calendar
    cross join processings
    where
        models_resolved.provider is not null
        and models_resolved.model is not null

),

price_candidates as (

    select
        model_days.*,
        1 as priority,
        overrides.input_per_1m,
        overrides.output_per_1m,
        overrides.cache_read_per_1m,
        -- an override has no cache-write price: the input price applies
        cast(null as decimal(18, 6)) as cache_write_per_1m,
        cast(null as decimal(18, 6)) as cache_write_1h_per_1m,
        overrides.is_local,
        cast(null as date) as list_valid_from,
        cast(null as {{ string_type() }}) as list_processing,
        'override' as price_source
    from model_days
    inner join overrides
        on
            model_days.provider = overrides.provider
            and model_days.model = overrides.model
            and model_days.started_date >= overrides.valid_from
            and (
                overrides.valid_to is null
                or model_days.started_date < overrides.valid_to
            )

    union all

    select
        model_days.*,
        2 as priority,
        overrides.input_per_1m,
        overrides.output_per_1m,
        overrides.cache_read_per_1m,
        -- an override has no cache-write price: the input price applies
        cast(null as decimal(18, 6)) as cache_write_per_1m,
        cast(null as decimal(18, 6)) as cache_write_1h_per_1m,
        overrides.is_local,
        cast(null as date) as list_valid_from,
        cast(null as {{ string_type() }}) as list_processing,
        'override' as price_source
    from model_days
    inner join overrides
        on
            model_days.provider = overrides.provider
            and overrides.model = '*'
            and model_days.started_date >= overrides.valid_from
            and (
                overrides.valid_to is null
                or model_days.started_date < overrides.valid_to
            )

    union all

    select
        model_days.*,
        -- a batch call: the batch prices in force, else the standard ones
        case
            when list_prices.processing = model_days.processing then 3 else 4
        end as priority,
        list_prices.input_per_1m,
        list_prices.output_per_1m,
        list_prices.cache_read_per_1m,
        list_prices.cache_write_per_1m,
        list_prices.cache_write_1h_per_1m,
        false as is_local,
        -- the key of the list price's tiers
        list_prices.valid_from as list_valid_from,
        list_prices.processing as list_processing,
        list_prices.price_source
    from model_days
    inner join list_prices
        on
            model_days.provider = list_prices.provider
            and model_days.matched_model = list_prices.model
            and list_prices.processing in (model_days.processing, 'standard')
            and model_days.started_date >= list_prices.valid_from
            and (
                list_prices.valid_to is null
                or model_days.started_date < list_prices.valid_to
            )

),

price_candidates_ranked as (

    select
        *,
        row_number() over (
            partition by
                provider, model, matched_model, processing, started_date
            order by priority
        ) as price_rank
    from price_candidates

),

model_day_prices as (

    select * from price_candidates_ranked
    where price_rank = 1

),

generations_joined_to_prices as (

    select
        generations_resolved.*,
        coalesce(model_day_prices.is_local, false) as is_local_model,
        -- the tier's price where one applies (a tier row leaves a price
        -- empty only where the base row has none either), else the base
        tier_ranges.input_tokens_over as price_tier_input_tokens_over,
        coalesce(
            tier_ranges.input_per_1m, model_day_prices.input_per_1m
        ) as input_per_1m,
        coalesce(
            tier_ranges.output_per_1m, model_day_prices.output_per_1m
        ) as output_per_1m,
        -- no cache-read price: cached tokens cost the input price
        coalesce(
            tier_ranges.cache_read_per_1m,
            model_day_prices.cache_read_per_1m,
            tier_ranges.input_per_1m,
            model_day_prices.input_per_1m
        ) as cache_read_per_1m,
        -- no cache-write price: written tokens cost the input price
        coalesce(
            tier_ranges.cache_write_per_1m,
            model_day_prices.cache_write_per_1m,
            tier_ranges.input_per_1m,
            model_day_prices.input_per_1m
        ) as cache_write_per_1m,
        -- no 1-hour cache-write price: the cache-write price, else the input
        coalesce(
            tier_ranges.cache_write_1h_per_1m,
            model_day_prices.cache_write_1h_per_1m,
            tier_ranges.cache_write_per_1m,
            model_day_prices.cache_write_per_1m,
            tier_ranges.input_per_1m,
            model_day_prices.input_per_1m
        ) as cache_write_1h_per_1m,
        model_day_prices.price_source
    from generations_resolved
    left join model_day_prices
        on
            generations_resolved.provider = model_day_prices.provider
            and generations_resolved.model = model_day_prices.model
            and generations_resolved.matched_model
            is not distinct from model_day_prices.matched_model
            and generations_resolved.processing = model_day_prices.processing
            and generations_resolved.started_date
            = model_day_prices.started_date
    -- at most one tier: the one whose range holds the call's input tokens
    left join tier_ranges
        on
            model_day_prices.provider = tier_ranges.provider
            and model_day_prices.matched_model = tier_ranges.model
            and model_day_prices.list_processing = tier_ranges.processing
            and model_day_prices.list_valid_from = tier_ranges.valid_from
            and coalesce(generations_resolved.input_tokens, 0)
            > tier_ranges.input_tokens_over
            and (
                tier_ranges.next_input_tokens_over is null
                or coalesce(generations_resolved.input_tokens, 0)
                <= tier_ranges.next_input_tokens_over
            )

),

generations_with_cache_read as (

    select
        *,
        -- never more cached tokens than input tokens
        least(
            coalesce(cache_read_tokens, 0), coalesce(input_tokens, 0)
        ) as billed_cache_read_tokens
    from generations_joined_to_prices

),

generations_with_billed_tokens as (

    select
        *,
        -- never more tokens read and written than input tokens
        least(
            coalesce(cache_creation_tokens, 0),
            coalesce(input_tokens, 0) - billed_cache_read_tokens
        ) as billed_cache_write_tokens
    from generations_with_cache_read

),

generations_with_billed_1h_tokens as (

    select
        *,
        -- the part of the cache writes kept for 1 hour
        least(
            coalesce(cache_write_1h_tokens, 0), billed_cache_write_tokens
        ) as billed_cache_write_1h_tokens
    from generations_with_billed_tokens

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
                    (
                        coalesce(input_tokens, 0)
                        - billed_cache_read_tokens
                        - billed_cache_write_tokens
                    )
                    * input_per_1m
                    + billed_cache_read_tokens * cache_read_per_1m
                    + (billed_cache_write_tokens - billed_cache_write_1h_tokens)
                    * cache_write_per_1m
                    + billed_cache_write_1h_tokens * cache_write_1h_per_1m
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
    from generations_with_billed_1h_tokens

)

select * from priced
