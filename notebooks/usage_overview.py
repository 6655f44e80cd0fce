import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium")


@app.cell
def _():
    import datetime as dt
    import os
    from pathlib import Path

    import altair as alt
    import duckdb
    import marimo as mo

    return Path, alt, dt, duckdb, mo, os


@app.cell(hide_code=True)
def _(mo):
    mo.md(r"""
    # LLM usage overview

    Spend, tokens and latency per model, read from the warehouse marts
    (`marts.daily_usage`, `marts.latency_percentiles`). Days are UTC dates.
    Pick a window below; every figure on this page follows it.
    """)
    return


@app.cell
def _(Path, duckdb, os):
    # WAREHOUSE_DATA_DIR wins; otherwise data/ at the repository root.
    _data_dir = Path(
        os.environ.get("WAREHOUSE_DATA_DIR") or Path(__file__).resolve().parents[1] / "data"
    )
    _warehouse_path = _data_dir / "warehouse.duckdb"
    if not _warehouse_path.is_file():
        raise FileNotFoundError(
            f"No warehouse at {_warehouse_path}: build it first (`make build`), "
            "or point WAREHOUSE_DATA_DIR at the directory holding warehouse.duckdb."
        )
    # Read-only, so an open notebook never blocks a refresh of the warehouse.
    con = duckdb.connect(str(_warehouse_path), read_only=True)
    return (con,)


@app.cell
def _(con, dt, mo):
    _bounds = mo.sql(
        """
        select min(usage_date) as first_day, max(usage_date) as last_day
        from marts.daily_usage
        """,
        engine=con,
        output=False,
    )
    _first, _last = _bounds.row(0)
    if _first is None:  # empty warehouse: a one-day window that matches nothing
        _first = _last = dt.datetime.now(dt.UTC).date()
    date_range = mo.ui.date_range(
        start=_first, stop=_last, value=(_first, _last), label="Usage dates (UTC)"
    )
    date_range
    return (date_range,)


@app.cell
def _(alt, con, mo):
    # One colour per model for the whole warehouse (not just the window), so a
    # model keeps its colour when the window changes.
    _models = mo.sql(
        """
        select distinct coalesce(model, '(unknown)') as model from marts.daily_usage
        union
        select distinct coalesce(model, '(unknown)') as model
        from marts.latency_percentiles
        """,
        engine=con,
        output=False,
    )
    _names = sorted(_models["model"].to_list()) or ["(unknown)"]
    model_color = alt.Color(
        "model:N", title="Model", scale=alt.Scale(domain=_names, scheme="tableau20")
    )
    return (model_color,)


@app.cell
def _(con, date_range, mo):
    daily_by_model = mo.sql(
        f"""
        select
            usage_date,
            coalesce(model, '(unknown)') as model,
            cast(sum(requests) as bigint) as requests,
            cast(sum(errors) as bigint) as errors,
            cast(sum(total_tokens) as bigint) as total_tokens,
            cast(sum(cost_usd) as double) as cost_usd,
            cast(sum(unpriced_requests) as bigint) as unpriced_requests
        from marts.daily_usage
        where usage_date between date '{date_range.value[0]}' and date '{date_range.value[1]}'
        group by all
        order by usage_date, model
        """,
        engine=con,
        output=False,
    )
    return (daily_by_model,)


@app.cell
def _(con, date_range, mo):
    model_totals = mo.sql(
        f"""
        select
            provider,
            coalesce(model, '(unknown)') as model,
            cast(sum(requests) as bigint) as requests,
            cast(sum(errors) as bigint) as errors,
            cast(sum(input_tokens) as bigint) as input_tokens,
            cast(sum(output_tokens) as bigint) as output_tokens,
            cast(sum(total_tokens) as bigint) as total_tokens,
            sum(cost_usd) as cost_usd,
            cast(sum(unpriced_requests) as bigint) as unpriced_requests
        from marts.daily_usage
        where usage_date between date '{date_range.value[0]}' and date '{date_range.value[1]}'
        group by all
        order by cost_usd desc nulls last, requests desc, model
        """,
        engine=con,
        output=False,
    )
    # Exact (decimal) sums; NULL cost stays None, never 0.
    total_cost_usd = model_totals["cost_usd"].sum() if model_totals["cost_usd"].count() else None
    total_requests = int(model_totals["requests"].sum())
    total_unpriced_requests = int(model_totals["unpriced_requests"].sum())
    return (
        model_totals,
        total_cost_usd,
        total_requests,
        total_unpriced_requests,
    )


@app.function
def usd(value) -> str:
    """Dollars for display; an unknown (NULL) cost is "unknown", never $0."""
    return "unknown" if value is None else f"${value:,.4f}"


@app.cell(hide_code=True)
def _(date_range, mo, total_cost_usd, total_requests, total_unpriced_requests):
    mo.hstack(
        [
            mo.stat(f"{total_requests:,}", label="Requests"),
            mo.stat(
                usd(total_cost_usd),
                label="Known cost",
                caption="priced requests only",
            ),
            mo.stat(
                f"{total_unpriced_requests:,}",
                label="Unpriced requests",
                caption="model has no known price",
            ),
            mo.stat(
                f"{date_range.value[0]} → {date_range.value[1]}",
                label="Window (UTC)",
            ),
        ],
        justify="start",
    )
    return


@app.cell(hide_code=True)
def _(mo):
    mo.md(r"""
    ## Daily spend by model

    Cost is only known for models with a price. Requests to unpriced models add
    nothing to these bars — they are not $0, their cost is unknown — and are
    counted in the table at the bottom.
    """)
    return


@app.cell
def _(alt, daily_by_model, model_color):
    alt.Chart(daily_by_model.drop_nulls("cost_usd")).mark_bar().encode(
        x=alt.X("utcyearmonthdate(usage_date):T", title="Day (UTC)"),
        y=alt.Y("sum(cost_usd):Q", title="Cost (USD)", stack="zero"),
        color=model_color,
        tooltip=[
            alt.Tooltip("utcyearmonthdate(usage_date):T", title="Day (UTC)"),
            alt.Tooltip("model:N", title="Model"),
            alt.Tooltip("sum(cost_usd):Q", title="Cost (USD)", format="$,.4f"),
        ],
    ).properties(width="container", height=280)
    return


@app.cell(hide_code=True)
def _(mo):
    mo.md(r"""
    ## Daily tokens by model
    """)
    return


@app.cell
def _(alt, daily_by_model, model_color):
    alt.Chart(daily_by_model.drop_nulls("total_tokens")).mark_bar().encode(
        x=alt.X("utcyearmonthdate(usage_date):T", title="Day (UTC)"),
        y=alt.Y("sum(total_tokens):Q", title="Total tokens", stack="zero"),
        color=model_color,
        tooltip=[
            alt.Tooltip("utcyearmonthdate(usage_date):T", title="Day (UTC)"),
            alt.Tooltip("model:N", title="Model"),
            alt.Tooltip("sum(total_tokens):Q", title="Total tokens", format=","),
        ],
    ).properties(width="container", height=280)
    return


@app.cell(hide_code=True)
def _(mo):
    mo.md(r"""
    ## p95 latency by model

    `latency_percentiles` holds exact percentiles per source and model. Where a
    model is served by more than one source on a day, the line shows the mean of
    their p95s weighted by requests — an approximation, not a recomputed p95.
    """)
    return


@app.cell
def _(con, date_range, mo):
    latency_by_model = mo.sql(
        f"""
        select
            usage_date,
            coalesce(model, '(unknown)') as model,
            cast(sum(requests_with_latency) as bigint) as requests_with_latency,
            sum(p95_ms * requests_with_latency) / sum(requests_with_latency) as p95_ms,
            max(max_ms) as max_ms
        from marts.latency_percentiles
        where usage_date between date '{date_range.value[0]}' and date '{date_range.value[1]}'
            and requests_with_latency > 0
            and p95_ms is not null
        group by all
        order by usage_date, model
        """,
        engine=con,
        output=False,
    )
    return (latency_by_model,)


@app.cell
def _(alt, latency_by_model, model_color):
    alt.Chart(latency_by_model).mark_line(point=True).encode(
        x=alt.X("utcyearmonthdate(usage_date):T", title="Day (UTC)"),
        y=alt.Y("p95_ms:Q", title="p95 latency (ms)"),
        color=model_color,
        tooltip=[
            alt.Tooltip("utcyearmonthdate(usage_date):T", title="Day (UTC)"),
            alt.Tooltip("model:N", title="Model"),
            alt.Tooltip("p95_ms:Q", title="p95 (ms)", format=",.0f"),
            alt.Tooltip("requests_with_latency:Q", title="Requests timed", format=","),
        ],
    ).properties(width="container", height=280)
    return


@app.cell(hide_code=True)
def _(mo):
    mo.md(r"""
    ## Totals per model in the window

    Cost shows **unknown** for a model with no known price, never $0. A model
    priced on some days only shows the known part of its cost, with the rest
    counted under *unpriced requests*.
    """)
    return


@app.cell
def _(mo, model_totals):
    mo.ui.table(
        model_totals,
        selection=None,
        format_mapping={"cost_usd": usd},
    )
    return


if __name__ == "__main__":
    app.run()
