-- Grain: UTC day x source x provider x model, for calls whose app recorded a
-- cost of its own (reported_cost_usd). Compares like with like: both sums run
-- over the calls that have both costs. Calls the app priced but the warehouse
-- could not are counted beside, with the app's cost. The gap is an analysis,
-- not an error: stale price tables, ignored cache discounts, fine-tunes.
with

generations as (

    select * from {{ ref('generations') }}

),

reported as (

    select * from generations
    where reported_cost_usd is not null

),

per_model_day as (

    select
        source_system,
        source_name,
        provider,
        model,
        started_on as usage_date,
        count(*) as requests,
        count(cost_usd) as compared_requests,
        count(*) filter (where cost_usd is null) as unpriced_requests,
        sum(reported_cost_usd) filter (
            where cost_usd is not null
        ) as reported_cost_usd,
        sum(cost_usd) as list_cost_usd,
        sum(reported_cost_usd) filter (
            where cost_usd is null
        ) as unpriced_reported_cost_usd
    from reported
    group by source_system, source_name, provider, model, started_on

),

final as (

    select
        ----------  ids
        {{ surrogate_key([
            'usage_date', 'source_name', 'provider', 'model'
        ]) }} as cost_reconciliation_id,
        source_system,
        source_name,

        ---------- strings
        provider,
        model,

        ---------- numerics
        requests,
        compared_requests,
        unpriced_requests,
        reported_cost_usd,
        list_cost_usd,
        -- the contract's scale on every engine (Spark's decimal subtraction
        -- would give decimal(38, 11))
        cast(reported_cost_usd - list_cost_usd as decimal(38, 12))
            as difference_usd,
        case
            when list_cost_usd <> 0
                then cast(
                    (reported_cost_usd - list_cost_usd) * 100 / list_cost_usd
                    as double
                )
        end as difference_pct,
        unpriced_reported_cost_usd,

        ---------- dates
        usage_date

    from per_model_day

)

select * from final
