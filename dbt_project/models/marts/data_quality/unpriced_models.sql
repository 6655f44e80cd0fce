-- Data quality: every raw model string the warehouse could not price (no list
-- price, no override), per source, with what it would take to price it: how
-- many calls, how many tokens, when it was first and last seen, and what the
-- app itself thought those calls cost. Empty when every model is priced; the
-- build warns otherwise (tests/warn_unpriced_models.sql). Fix: add the model
-- to seeds/model_price_overrides.csv (docs/costs.md).
with

generations as (

    select * from {{ ref('generations') }}

),

unpriced as (

    select
        ----------  ids
        {{ surrogate_key(['source_name', 'provider', 'model', 'model_raw']) }}
            as unpriced_model_id,
        source_system,
        source_name,

        ---------- strings
        provider,
        model,
        model_raw,

        ---------- numerics
        count(*) as requests,
        count(*) filter (where status = 'error') as errors,
        count(*) filter (
            where input_tokens is not null or output_tokens is not null
        ) as requests_with_tokens,
        cast(sum(input_tokens) as bigint) as input_tokens,
        cast(sum(output_tokens) as bigint) as output_tokens,
        cast(sum(total_tokens) as bigint) as total_tokens,
        sum(reported_cost_usd) as reported_cost_usd,

        ---------- timestamps
        min(started_at) as first_seen_at,
        max(started_at) as last_seen_at

    from generations
    where cost_status = 'unpriced_model'
    group by source_system, source_name, provider, model, model_raw

)

select * from unpriced
