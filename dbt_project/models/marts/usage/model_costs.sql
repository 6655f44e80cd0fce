-- Incremental by usage_date (config: dbt_project.yml, marts.usage;
-- docs/nightly.md). last_loaded_at: the newest loaded_at of the group's calls.
-- Grain: UTC day x provider x model. share_of_day_cost is the model's part of
-- the day's known cost (NULL when the model's cost is unknown).
-- Summed from daily_usage (a finer grain of the same calls: its counts,
-- BIGINT tokens and DECIMAL costs add up exactly), not from generations: a
-- full build reads its ~1 row per 20 calls, a nightly the days daily_usage
-- rebuilt (macro daily_mart_days: its rows loaded after the newest here,
-- the look-back, the days whose request count differs) or every day when the
-- price data changed.
{{
    config(meta={
        'nightly_days': {'upstream': 'daily_usage', 'costs': true}
    })
}}

with

daily_usage as (

    select * from {{ ref('daily_usage') }}
    {{ daily_mart_day_filter('usage_date') }}

),

per_model as {{ materialized_cte() }} (

    select
        usage_date,
        provider,
        model,
        cast(sum(requests) as bigint) as requests,
        cast(sum(errors) as bigint) as errors,
        cast(sum(input_tokens) as bigint) as input_tokens,
        cast(sum(output_tokens) as bigint) as output_tokens,
        cast(sum(total_tokens) as bigint) as total_tokens,
        sum(cost_usd) as cost_usd,
        cast(sum(unpriced_requests) as bigint) as unpriced_requests,
        max(last_loaded_at) as last_loaded_at
    from daily_usage
    group by usage_date, provider, model

),

per_day as (

    select
        usage_date,
        sum(cost_usd) as day_cost_usd
    from per_model
    group by usage_date

),

final as (

    select
        ----------  ids
        {{ surrogate_key(['per_model.usage_date', 'provider', 'model']) }}
            as model_cost_id,

        ---------- strings
        per_model.provider,
        per_model.model,

        ---------- numerics
        per_model.requests,
        per_model.errors,
        per_model.input_tokens,
        per_model.output_tokens,
        per_model.total_tokens,
        per_model.cost_usd,
        per_model.unpriced_requests,
        cast(
            per_model.cost_usd * 1000 / per_model.requests as decimal(38, 12)
        ) as cost_per_1k_requests_usd,
        cast(
            per_model.cost_usd / nullif(per_day.day_cost_usd, 0) as double
        ) as share_of_day_cost,

        ---------- dates
        per_model.usage_date,

        ---------- timestamps
        per_model.last_loaded_at,

        ---------- bookkeeping: the price data the costs were computed with
        {{ price_fingerprint() }} as price_fingerprint

    from per_model
    inner join per_day on per_model.usage_date = per_day.usage_date

)

select * from final
