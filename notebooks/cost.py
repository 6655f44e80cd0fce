import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium", app_title="LLM cost")


@app.cell
def _():
    import calendar
    import datetime as dt
    from decimal import Decimal

    import altair as alt
    import marimo as mo
    import polars as pl

    from warehouse import notebook_support as wh

    return Decimal, alt, calendar, dt, mo, pl, wh


@app.cell(hide_code=True)
def _(mo):
    mo.md(r"""
    # Cost

    What the LLM calls cost at the providers' **list price** on the day of each
    call (`marts.model_costs`). A call whose cost cannot be known — a model
    with no price, a source that logs no tokens, a step with no model — adds
    nothing to a sum and is counted separately: its cost is *unknown*, never $0.
    Local models (Ollama) really cost $0.
    """)
    return


@app.cell
def _(mo, wh):
    first_day, last_day = wh.date_bounds()
    models = wh.model_names()
    date_range = mo.ui.date_range(
        start=first_day, stop=last_day, value=(first_day, last_day), label="Days (UTC)"
    )
    date_range
    return date_range, last_day, models


@app.cell
def _(date_range, wh):
    filters = {"start": date_range.value[0], "end": date_range.value[1], "no_model": wh.NO_MODEL}
    per_model = wh.query(
        """
        select
            provider,
            coalesce(model, $no_model) as model,
            cast(sum(requests) as bigint) as requests,
            sum(cost_usd) as cost_usd,
            cast(sum(cost_usd) * 1000 / nullif(sum(requests - unpriced_requests), 0)
                as decimal(38, 6)) as cost_per_1k_priced_requests_usd,
            cast(sum(unpriced_requests) as bigint) as unknown_cost_requests
        from marts.model_costs
        where usage_date between $start and $end
        group by all
        order by cost_usd desc nulls last, requests desc, model
        """,
        filters,
    )
    # Exact decimal sums; no known cost at all stays None ("unknown"), never 0.
    window_cost_usd = per_model["cost_usd"].sum() if per_model["cost_usd"].count() else None
    window_requests = int(per_model["requests"].sum())
    window_unknown_requests = int(per_model["unknown_cost_requests"].sum())
    return filters, per_model, window_cost_usd, window_requests, window_unknown_requests


@app.cell
def _(Decimal, calendar, dt, last_day, wh):
    # Month to date = the month of the last day in the warehouse (the data's "today").
    month_start = last_day.replace(day=1)
    month_end = last_day.replace(day=calendar.monthrange(last_day.year, last_day.month)[1])
    _month = wh.query(
        """
        select usage_date, sum(cost_usd) as cost_usd
        from marts.model_costs
        where usage_date between $start and $end
        group by usage_date
        order by usage_date
        """,
        {"start": month_start - dt.timedelta(days=6), "end": last_day},
    )
    _this_month = _month.filter(_month["usage_date"] >= month_start)
    mtd_cost_usd = _this_month["cost_usd"].sum() if _this_month["cost_usd"].count() else None
    # Run rate: mean known spend per day over the last 7 days (days with no calls
    # count as $0 spent), carried over the days left in the month.
    _last7 = _month.filter(_month["usage_date"] > last_day - dt.timedelta(days=7))
    _known7 = _last7["cost_usd"].drop_nulls()
    run_rate_per_day_usd = (sum(_known7, Decimal(0)) / 7) if len(_known7) else None
    days_left = (month_end - last_day).days
    forecast_month_usd = (
        None
        if mtd_cost_usd is None or run_rate_per_day_usd is None
        else mtd_cost_usd + run_rate_per_day_usd * days_left
    )
    month_days = _this_month
    return (
        days_left,
        forecast_month_usd,
        month_days,
        month_end,
        month_start,
        mtd_cost_usd,
        run_rate_per_day_usd,
    )


@app.cell(hide_code=True)
def _(
    date_range,
    days_left,
    forecast_month_usd,
    mo,
    month_end,
    month_start,
    mtd_cost_usd,
    run_rate_per_day_usd,
    window_cost_usd,
    window_requests,
    window_unknown_requests,
    wh,
):
    mo.vstack(
        [
            mo.hstack(
                [
                    mo.stat(
                        wh.usd(window_cost_usd),
                        label="Known spend in the window",
                        caption=f"{date_range.value[0]} → {date_range.value[1]}",
                    ),
                    mo.stat(f"{window_requests:,}", label="Requests"),
                    mo.stat(
                        f"{window_unknown_requests:,}",
                        label="Requests of unknown cost",
                        caption=f"{wh.pct(window_unknown_requests, window_requests)} of requests",
                    ),
                ],
                justify="start",
            ),
            mo.hstack(
                [
                    mo.stat(
                        wh.usd(mtd_cost_usd),
                        label="Month to date",
                        caption=f"since {month_start}",
                    ),
                    mo.stat(
                        wh.usd(run_rate_per_day_usd),
                        label="Run rate per day",
                        caption="mean of the last 7 days",
                    ),
                    mo.stat(
                        wh.usd(forecast_month_usd),
                        label=f"Forecast to {month_end}",
                        caption=f"month to date + run rate × {days_left} days left",
                    ),
                ],
                justify="start",
            ),
        ]
    )
    return


@app.cell(hide_code=True)
def _(mo):
    mo.md(r"""
    ## Spend per day, by model

    Known cost only. A model with no price adds nothing here; it is listed
    under *Unpriced* further down.
    """)
    return


@app.cell
def _(filters, wh):
    daily_cost = wh.for_chart(
        wh.query(
            """
            select usage_date, coalesce(model, $no_model) as model, sum(cost_usd) as cost_usd
            from marts.model_costs
            where usage_date between $start and $end and cost_usd is not null
            group by all
            order by all
            """,
            filters,
        )
    )
    return (daily_cost,)


@app.cell
def _(alt, daily_cost, models, wh):
    alt.Chart(daily_cost).mark_bar().encode(
        x=alt.X("utcyearmonthdate(usage_date):T", title="Day (UTC)"),
        y=alt.Y("sum(cost_usd):Q", title="Known cost (USD per day)", stack="zero"),
        color=wh.model_color(models, shown=daily_cost.filter(daily_cost["cost_usd"] > 0)["model"]),
        tooltip=[
            alt.Tooltip("utcyearmonthdate(usage_date):T", title="Day (UTC)"),
            alt.Tooltip("model:N", title="Model"),
            alt.Tooltip("sum(cost_usd):Q", title="Cost (USD)", format="$,.4~f"),
        ],
    ).properties(width="container", height=260)
    return


@app.cell(hide_code=True)
def _(mo):
    mo.md(r"""
    ## The month so far, and where it is heading

    Cumulative known spend this month (solid) and the run-rate projection to
    the month's end (dashed): month to date plus the mean of the last seven
    days for every day left. A projection, not a promise.
    """)
    return


@app.cell
def _(alt, dt, forecast_month_usd, month_days, month_end, mtd_cost_usd, pl, wh):
    _actual = wh.for_chart(month_days.fill_null(0)).with_columns(
        pl.col("cost_usd").cum_sum().alias("cumulative_usd"), pl.lit("month to date").alias("kind")
    )
    _frames = [_actual.select("usage_date", "cumulative_usd", "kind")]
    if forecast_month_usd is not None and len(month_days):
        _last = month_days["usage_date"].max()
        _frames.append(
            pl.DataFrame(
                {
                    "usage_date": [_last, max(month_end, _last + dt.timedelta(days=0))],
                    "cumulative_usd": [float(mtd_cost_usd), float(forecast_month_usd)],
                    "kind": ["run-rate forecast", "run-rate forecast"],
                }
            )
        )
    _cumulative = pl.concat(_frames)
    alt.Chart(_cumulative).mark_line(point=True).encode(
        x=alt.X("utcyearmonthdate(usage_date):T", title="Day (UTC)"),
        y=alt.Y("cumulative_usd:Q", title="Cumulative known cost (USD)"),
        strokeDash=alt.StrokeDash("kind:N", title=""),
        tooltip=[
            alt.Tooltip("utcyearmonthdate(usage_date):T", title="Day (UTC)"),
            alt.Tooltip("kind:N", title=""),
            alt.Tooltip("cumulative_usd:Q", title="USD", format="$,.2f"),
        ],
    ).properties(width="container", height=220)
    return


@app.cell(hide_code=True)
def _(mo):
    mo.md(r"""
    ## Per model in the window

    *Cost per 1k priced requests* divides the known cost by the requests that
    have one, so unpriced calls do not dilute it. A model with no known price
    shows **unknown**.
    """)
    return


@app.cell
def _(mo, per_model, wh):
    wh.table(
        per_model,
        order="most spend first",
        format_mapping={
            "cost_usd": wh.usd,
            "cost_per_1k_priced_requests_usd": lambda v: wh.usd(v, 4),
        },
    )
    return


@app.cell(hide_code=True)
def _(mo):
    mo.md(r"""
    ## Price rules at work

    The calls in the window that a price rule beyond tokens × the list price
    touched, per model: input read from the prompt cache (cheaper), written to
    it for 5 minutes or for 1 hour (dearer), a request over a long-context
    tier's threshold (every token at the tier's prices), and batch calls (the
    provider's batch prices where the price library has them). Each call is
    priced as genai-prices' `calc_price` prices it (docs/costs.md).
    """)
    return


@app.cell
def _(filters, wh):
    price_rules = wh.query(
        """
        select
            provider,
            coalesce(model, $no_model) as model,
            count(*) filter (where cache_read_tokens > 0) as calls_reading_cache,
            cast(sum(cache_read_tokens) as bigint) as cache_read_tokens,
            count(*) filter (where cache_creation_tokens > 0) as calls_writing_cache,
            cast(sum(cache_creation_tokens) as bigint) as cache_write_tokens,
            cast(sum(cache_write_1h_tokens) as bigint) as cache_write_1h_tokens,
            count(*) filter (where price_tier_input_tokens_over is not null)
                as long_context_calls,
            count(*) filter (where is_batch) as batch_calls,
            sum(cost_usd) as cost_usd
        from marts.generations
        where started_on between $start and $end
        group by all
        having calls_reading_cache + calls_writing_cache + long_context_calls + batch_calls > 0
        order by cost_usd desc nulls last, model
        """,
        filters,
    )
    return (price_rules,)


@app.cell
def _(mo, price_rules, wh):
    (
        wh.table(price_rules, order="most spend first", format_mapping={"cost_usd": wh.usd})
        if len(price_rules)
        else mo.md("No call in the window read or wrote the cache, crossed a tier or was batched.")
    )
    return


@app.cell(hide_code=True)
def _(mo):
    mo.md(r"""
    ## What the apps think they spend

    `text2sql` and `instagram_feed` record a cost of their own: a hard-coded
    estimate, or tokens × a price table kept in the app. Beside it, the list
    price of the same calls. A gap is stale prices in the app, not an error in
    the warehouse.
    """)
    return


@app.cell
def _(filters, wh):
    # The pricing mart, summed over the window per source and model.
    reconciliation = wh.query(
        """
        select
            source_name,
            provider,
            coalesce(model, $no_model) as model,
            cast(sum(requests) as bigint) as calls_with_app_cost,
            cast(sum(compared_requests) as bigint) as compared_calls,
            sum(reported_cost_usd) as app_reported_usd,
            sum(list_cost_usd) as list_price_usd,
            sum(difference_usd) as app_minus_list_usd,
            cast(100 * sum(difference_usd) / nullif(sum(list_cost_usd), 0) as double)
                as app_vs_list_pct,
            sum(unpriced_reported_cost_usd) as app_reported_unpriced_usd
        from marts.cost_reconciliation
        where usage_date between $start and $end
        group by all
        order by source_name, model
        """,
        filters,
    )
    return (reconciliation,)


@app.cell
def _(mo, reconciliation, wh):
    _usd_columns = [c for c in reconciliation.columns if c.endswith("_usd")]
    mo.vstack(
        [
            mo.md(
                "From `marts.cost_reconciliation`. List price **unknown** means the model "
                "has no price."
            ),
            wh.table(
                reconciliation.drop("provider", strict=False),
                order="by source and model",
                format_mapping=dict.fromkeys(_usd_columns, wh.usd),
            ),
        ]
    )
    return


@app.cell(hide_code=True)
def _(mo):
    mo.md(r"""
    ## Unpriced

    Requests whose cost is unknown, per model: the model has no list price
    (fix: add it to `dbt_project/seeds/model_price_overrides.csv`), the source
    logs no tokens, or the call had no model.
    """)
    return


@app.cell
def _(wh):
    unpriced = wh.query("select * from marts.unpriced_models")
    return (unpriced,)


@app.cell
def _(mo, unpriced, wh):
    _note = (
        "From the data-quality model `marts.unpriced_models`, over the whole warehouse "
        "(not only the window), one row per source and model string."
    )
    mo.vstack(
        [
            mo.md(_note),
            # the model string as the app wrote it says which model; the split into
            # input and output tokens is in the mart
            wh.table(
                unpriced.drop(
                    ["source_system", "provider", "model", "input_tokens", "output_tokens"],
                    strict=False,
                )
            )
            if len(unpriced)
            else mo.md("Every request in the window has a known cost."),
        ]
    )
    return


if __name__ == "__main__":
    app.run()
