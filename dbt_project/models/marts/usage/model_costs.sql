-- Incremental by usage_date (config: dbt_project.yml, marts.usage;
-- docs/nightly.md). last_loaded_at: the newest loaded_at of the group's calls.
-- Grain: UTC day x provider x model. share_of_day_cost is the model's part of
-- the day's known cost (NULL when the model's cost is unknown).
with

generations as (

    {{ generations_on_nightly_days(costs=true) }}

),

per_model as {{ materialized_cte() }} (

    select
        started_on as usage_date,
        provider,
        model,
        count(*) as requests,
        count(*) filter (where status = 'error') as errors,
        cast(sum(input_tokens) as bigint) as input_tokens,
        cast(sum(output_tokens) as bigint) as output_tokens,
        cast(sum(total_tokens) as bigint) as total_tokens,
        sum(cost_usd) as cost_usd,
        count(*) filter (where cost_usd is null) as unpriced_requests,
        max(loaded_at) as last_loaded_at
    from generations
    group by started_on, provider, model

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
        {{ price_fingerprint() }} as price_fingerprint,
        cast(
            per_model.cost_usd * 1000 / per_model.requests as decimal(38, 12)
        ) as cost_per_1k_requests_usd,
        cast(
            per_model.cost_usd / nullif(per_day.day_cost_usd, 0) as double
        ) as share_of_day_cost,

        ---------- dates
        per_model.usage_date,

        ---------- timestamps
        per_model.last_loaded_at

    from per_model
    inner join per_day on per_model.usage_date = per_day.usage_date

)

select * from final
