import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium", app_title="LLM latency")


@app.cell
def _():
    import datetime as dt

    import altair as alt
    import marimo as mo

    from warehouse import notebook_support as wh

    return alt, dt, mo, wh


@app.cell(hide_code=True)
def _(mo):
    mo.md(r"""
    # Latency

    How long an LLM call takes, per model, and whether that is getting worse.
    Percentiles are exact (linear interpolation) over **successful** calls that
    have a latency, per UTC day and model over every source that serves it
    (`marts.model_latency_daily`: computed from the calls, since percentiles
    of several sources cannot be averaged; `marts.latency_percentiles` has
    them per source). Failed calls are shown as an error rate beside them,
    since a fast 429 or a long timeout says nothing about the model's speed.
    `text2sql` logs no LLM latency, so it is absent here.
    """)
    return


@app.cell
def _(dt, mo, wh):
    _first, _last = wh.date_bounds()
    models = wh.model_names()
    _timed = wh.query(
        """
        select model, sum(requests_with_latency) as n
        from marts.model_latency_daily
        where model is not null
        group by model
        order by n desc, model
        """
    )
    _choices = _timed["model"].to_list() or [wh.NO_MODEL]
    date_range = mo.ui.date_range(
        start=_first,
        stop=_last,
        value=(max(_first, _last - dt.timedelta(days=13)), _last),
        label="Days (UTC)",
    )
    percentile = mo.ui.dropdown(
        {"p50": "p50_ms", "p90": "p90_ms", "p95": "p95_ms", "p99": "p99_ms"},
        value="p95",
        label="Percentile",
    )
    chosen_model = mo.ui.dropdown(_choices, value=_choices[0], label="Model for the histogram")
    mo.hstack([date_range, percentile, chosen_model], justify="start")
    return chosen_model, date_range, models, percentile


@app.cell
def _(chosen_model, date_range, wh):
    filters = {
        "start": date_range.value[0],
        "end": date_range.value[1],
        "model": chosen_model.value,
        "no_model": wh.NO_MODEL,
    }
    # Per day and model over every source: exact percentiles of all the calls.
    by_model = wh.query(
        """
        select
            usage_date,
            model,
            requests_with_latency,
            sources,
            p50_ms,
            p90_ms,
            p95_ms,
            p99_ms,
            max_ms
        from marts.model_latency_daily
        where usage_date between $start and $end and model is not null
        order by usage_date, model
        """,
        filters,
    )
    return by_model, filters


@app.cell(hide_code=True)
def _(mo, percentile):
    mo.md(f"""
    ## {percentile.selected_key} latency per model, per day
    """)
    return


@app.cell
def _(alt, by_model, models, percentile, wh):
    alt.Chart(by_model).mark_line(point=True).encode(
        x=alt.X("utcyearmonthdate(usage_date):T", title="Day (UTC)"),
        y=alt.Y(f"{percentile.value}:Q", title=f"{percentile.selected_key} latency (ms)"),
        color=wh.model_color(models, shown=by_model["model"]),
        tooltip=[
            alt.Tooltip("utcyearmonthdate(usage_date):T", title="Day (UTC)"),
            alt.Tooltip("model:N", title="Model"),
            alt.Tooltip(f"{percentile.value}:Q", title="ms", format=",.0f"),
            alt.Tooltip("requests_with_latency:Q", title="Calls timed", format=","),
            alt.Tooltip("sources:Q", title="Sources"),
        ],
    ).properties(width="container", height=260)
    return


@app.cell(hide_code=True)
def _(mo, wh):
    mo.md(f"""
    ## Error rate per model, per day

    Failed calls over all calls of the model that day (`marts.model_costs`),
    with its 95 % Wilson interval as a vertical bar: one failed call out of
    one is "between 21 % and 100 %", not a 100 % spike. A day with fewer than
    {wh.MIN_RATE_CALLS} calls of a model is drawn as a grey hollow point (too
    few calls to read a rate from), and joins no line. Hover a point for its
    calls.
    """)
    return


@app.cell
def _(alt, filters, models, wh):
    _low, _high = wh.wilson_sql("sum(errors)", "sum(requests)")
    error_rate = wh.query(
        f"""
        select
            usage_date,
            model,
            cast(sum(requests) as bigint) as requests,
            cast(sum(errors) as bigint) as errors,
            cast(100.0 * sum(errors) / sum(requests) as double) as error_rate_pct,
            cast({_low} as double) as error_rate_low_pct,
            cast({_high} as double) as error_rate_high_pct,
            sum(requests) >= $min_calls as enough_calls
        from marts.model_costs
        where usage_date between $start and $end and model is not null
        group by all
        order by all
        """,
        {**filters, "min_calls": wh.MIN_RATE_CALLS},
    )
    _tooltip = [
        alt.Tooltip("utcyearmonthdate(usage_date):T", title="Day (UTC)"),
        alt.Tooltip("model:N", title="Model"),
        alt.Tooltip("error_rate_pct:Q", title="% failed", format=".1f"),
        alt.Tooltip("error_rate_low_pct:Q", title="95 % interval from (%)", format=".1f"),
        alt.Tooltip("error_rate_high_pct:Q", title="95 % interval to (%)", format=".1f"),
        alt.Tooltip("errors:Q", title="Failed calls", format=","),
        alt.Tooltip("requests:Q", title="Calls", format=","),
    ]
    _x = alt.X("utcyearmonthdate(usage_date):T", title="Day (UTC)")
    _y = alt.Y("error_rate_pct:Q", title="Failed calls (% of calls)")
    _enough = error_rate.filter(error_rate["enough_calls"])
    _few = error_rate.filter(~error_rate["enough_calls"])
    _color = wh.model_color(models, shown=_enough["model"])
    _base = alt.Chart(_enough)
    _layers = [
        _base.mark_rule(opacity=0.35).encode(
            x=_x,
            y=alt.Y("error_rate_low_pct:Q", title="Failed calls (% of calls)"),
            y2="error_rate_high_pct:Q",
            color=_color,
            tooltip=_tooltip,
        ),
        _base.mark_line(point=True).encode(x=_x, y=_y, color=_color, tooltip=_tooltip),
    ]
    if _few.height:
        _layers.append(
            alt.Chart(_few)
            .mark_point(color="#9e9e9e", filled=False, opacity=0.8)
            .encode(x=_x, y=_y, detail="model:N", tooltip=_tooltip)
        )
    alt.layer(*_layers).properties(width="container", height=220)
    return (error_rate,)


@app.cell(hide_code=True)
def _(chosen_model, mo):
    mo.md(f"""
    ## `{chosen_model.value}`: all four percentiles, and the distribution

    The lines are the exact per-day percentiles; the histogram counts the
    window's successful calls in bins of equal width on a log scale (ten per
    factor of ten), so a slow tail is as visible as the bulk.
    """)
    return


@app.cell
def _(alt, by_model, chosen_model):
    _one = by_model.filter(by_model["model"] == chosen_model.value).unpivot(
        index=["usage_date"],
        on=["p50_ms", "p90_ms", "p95_ms", "p99_ms"],
        variable_name="percentile",
        value_name="latency_ms",
    )
    alt.Chart(_one).mark_line(point=True).encode(
        x=alt.X("utcyearmonthdate(usage_date):T", title="Day (UTC)"),
        y=alt.Y("latency_ms:Q", title="Latency (ms, log scale)", scale=alt.Scale(type="log")),
        color=alt.Color("percentile:N", title="Percentile"),
        tooltip=[
            alt.Tooltip("utcyearmonthdate(usage_date):T", title="Day (UTC)"),
            alt.Tooltip("percentile:N"),
            alt.Tooltip("latency_ms:Q", title="ms", format=",.0f"),
        ],
    ).properties(width="container", height=220)
    return


@app.cell
def _(filters, wh):
    # The only raw read of this notebook: one model's successful calls in the window,
    # binned in the database (no marts hold a distribution yet).
    histogram = wh.query(
        """
        with timed as (
            select greatest(latency_ms, 1) as latency_ms
            from marts.generations
            where started_on between $start and $end
                and coalesce(model, $no_model) = $model
                and status = 'success' and latency_ms is not null
        )
        select
            power(10, floor(log10(latency_ms) * 10) / 10) as bin_start_ms,
            power(10, (floor(log10(latency_ms) * 10) + 1) / 10) as bin_end_ms,
            count(*) as calls
        from timed
        group by all
        order by bin_start_ms
        """,
        filters,
    )
    window_p = wh.query(
        """
        select
            count(*) as calls,
            quantile_cont(latency_ms, [0.5, 0.9, 0.95, 0.99]) as pcts
        from marts.generations
        where started_on between $start and $end
            and coalesce(model, $no_model) = $model
            and status = 'success' and latency_ms is not null
        """,
        filters,
    )
    window_calls, _pcts = window_p.row(0)
    window_p50_ms, _p90, window_p95_ms, window_p99_ms = _pcts or [None] * 4
    return histogram, window_calls, window_p50_ms, window_p95_ms, window_p99_ms


@app.cell
def _(mo, window_calls, window_p50_ms, window_p95_ms, window_p99_ms):
    def _ms(v):
        return "–" if v is None else f"{v:,.0f} ms"

    mo.hstack(
        [
            mo.stat(f"{window_calls:,}", label="Successful calls timed"),
            mo.stat(_ms(window_p50_ms), label="p50 in the window"),
            mo.stat(_ms(window_p95_ms), label="p95 in the window"),
            mo.stat(_ms(window_p99_ms), label="p99 in the window"),
        ],
        justify="start",
    )
    return


@app.cell
def _(alt, histogram):
    alt.Chart(histogram).mark_bar().encode(
        x=alt.X(
            "bin_start_ms:Q",
            title="Latency (ms, log scale)",
            scale=alt.Scale(type="log"),
        ),
        x2="bin_end_ms:Q",
        # from 0 up: with x and x2 both set, vega-lite would not ground the bars itself
        y=alt.Y("calls:Q", title="Successful calls (calls per bin)", scale=alt.Scale(zero=True)),
        y2=alt.datum(0),
        tooltip=[
            alt.Tooltip("bin_start_ms:Q", title="from ms", format=",.0f"),
            alt.Tooltip("bin_end_ms:Q", title="to ms", format=",.0f"),
            alt.Tooltip("calls:Q", title="Calls", format=","),
        ],
    ).properties(width="container", height=220)
    return


@app.cell(hide_code=True)
def _(mo):
    mo.md(r"""
    ## Slowest steps

    Per source and step (`operation`: a workflow node, a pipeline step), the
    window's exact p95 over successful calls, slowest first, with the step's
    error rate beside it. Steps with fewer than 20 timed calls are left out.
    """)
    return


@app.cell
def _(filters, wh):
    slowest_steps = wh.query(
        """
        select
            source_name,
            coalesce(operation, '(none)') as operation,
            count(*) as calls,
            count(*) filter (where status = 'success' and latency_ms is not null)
                as calls_timed,
            round(quantile_cont(latency_ms, 0.5) filter (where status = 'success'), 1)
                as p50_ms,
            round(quantile_cont(latency_ms, 0.95) filter (where status = 'success'), 1)
                as p95_ms,
            count(*) filter (where status = 'error') as failed_calls,
            round(100.0 * count(*) filter (where status = 'error') / count(*), 1)
                as error_rate_pct
        from marts.generations
        where started_on between $start and $end
        group by all
        having calls_timed >= 20
        order by p95_ms desc, source_name, operation
        limit 15
        """,
        filters,
    )
    wh.table(slowest_steps)
    return (slowest_steps,)


@app.cell
def _(alt, filters, mo, models, wh):
    # Only sources that record it (OpenTelemetry spans: time to first chunk) have a time
    # to first token; without any in the window the section is not shown.
    first_token = wh.query(
        """
        select
            model,
            count(*) as calls_streamed,
            round(quantile_cont(time_to_first_token_ms, 0.5), 1) as ttft_p50_ms,
            round(quantile_cont(time_to_first_token_ms, 0.95), 1) as ttft_p95_ms,
            round(quantile_cont(output_tokens_per_second, 0.5), 1)
                as output_tokens_per_second_p50
        from marts.generations
        where started_on between $start and $end
            and status = 'success' and time_to_first_token_ms is not null
        group by all
        order by calls_streamed desc, model
        """,
        filters,
    )
    _shown = None
    if first_token.height:
        _shown = mo.vstack(
            [
                mo.md(
                    """
    ## Time to first token

    For streamed calls whose source records it (`generations.time_to_first_token_ms`,
    from OpenTelemetry GenAI spans): the window's median and p95 per model, and the
    median output speed after the first token (`output_tokens_per_second`).
    """
                ),
                alt.Chart(first_token)
                .mark_bar()
                .encode(
                    x=alt.X("ttft_p50_ms:Q", title="Median time to first token (ms)"),
                    y=alt.Y("model:N", title=None, sort="-x"),
                    color=wh.model_color(models, shown=first_token["model"]),
                    tooltip=[
                        alt.Tooltip("model:N", title="Model"),
                        alt.Tooltip("ttft_p50_ms:Q", title="p50 ms", format=",.0f"),
                        alt.Tooltip("ttft_p95_ms:Q", title="p95 ms", format=",.0f"),
                        alt.Tooltip(
                            "output_tokens_per_second_p50:Q", title="Tokens/s", format=",.1f"
                        ),
                        alt.Tooltip("calls_streamed:Q", title="Calls", format=","),
                    ],
                )
                .properties(width="container", height=40 + 24 * first_token.height),
                wh.table(first_token),
            ]
        )
    _shown
    return (first_token,)


if __name__ == "__main__":
    app.run()
