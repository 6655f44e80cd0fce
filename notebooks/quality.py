import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium", app_title="Data quality")


@app.cell
def _():
    import datetime as dt
    import json

    import altair as alt
    import duckdb
    import marimo as mo
    import polars as pl

    from warehouse import notebook_support as wh

    return alt, dt, duckdb, json, mo, pl, wh


@app.cell(hide_code=True)
def _(mo):
    mo.md(r"""
    # Data quality

    Can the other notebooks be trusted this morning? How the last refresh went
    (first: what failed), which source stopped logging, whether every landed
    row is accounted for, how many calls have an unknown cost and why.
    """)
    return


@app.cell
def _(wh):
    data_dir = wh.data_dir()
    sources = wh.source_names()
    return data_dir, sources


@app.cell
def _(duckdb, wh):
    runs_error = None
    refresh_runs = None
    try:
        refresh_runs = wh.query(
            """
            with last_refreshes as (
                select refresh_id
                from marts.refresh_runs
                where scope = 'refresh'
                order by started_at desc
                limit $last_n
            )
            select
                refresh_id,
                scope,
                case
                    when scope = 'refresh' then '(whole refresh)' else source_name
                end as source_name,
                source_system,
                step_name,
                status,
                started_at,
                finished_at,
                round(duration_seconds, 1) as duration_s,
                rows_landed,
                rows_set_aside,
                models_built,
                failed_step,
                error_message
            from marts.refresh_runs
            where refresh_id in (select refresh_id from last_refreshes)
            order by refresh_id desc, scope, source_name
            """,
            {"last_n": 10},
        )
    except duckdb.Error as _exc:  # the view reads the run-log files when queried
        runs_error = str(_exc).splitlines()[0]
    # What a run-log table shows (the rest is in marts.refresh_runs): few enough columns
    # to fit the page, the error text wrapping
    RUN_COLUMNS = [
        "scope",
        "source_name",
        "step_name",
        "status",
        "started_at",
        "duration_s",
        "rows_landed",
        "rows_set_aside",
        "models_built",
        "error_message",
    ]
    # The newest run of each source: what the headline test compares with the landing.
    last_run_per_source = (
        None
        if refresh_runs is None
        else refresh_runs.filter(refresh_runs["scope"] == "source")
        .sort("started_at", descending=True)
        .unique("source_name", keep="first", maintain_order=True)
        .sort("source_name")
    )
    return RUN_COLUMNS, last_run_per_source, refresh_runs, runs_error


@app.cell(hide_code=True)
def _(mo):
    mo.md(r"""
    ## The last refresh

    What the last `make nightly` did, from its run log (`marts.refresh_runs`):
    what failed comes first (sources with their error, then steps), then every
    step and source of it. A report written by a refresh shows that refresh:
    its run log is written before its reports.
    """)
    return


@app.cell
def _(RUN_COLUMNS, mo, pl, refresh_runs, runs_error, wh):
    last_refresh = None
    if runs_error is not None:
        _out = mo.callout(
            mo.md(f"The run log `marts.refresh_runs` cannot be read: `{runs_error}`"),
            kind="danger",
        )
    elif refresh_runs is None or len(refresh_runs) == 0:
        _out = mo.callout(
            mo.md(
                "**No refresh has run yet** on this warehouse, so the run log is empty: "
                "it was built by hand (`make run`, `make build`). `make nightly` records "
                "one row per refresh, step and source here."
            ),
            kind="warn",
        )
    else:
        last_refresh = refresh_runs.filter(
            pl.col("refresh_id") == refresh_runs["refresh_id"].max()
        ).sort(
            [pl.col("status") != "failed", pl.col("scope") != "source", "started_at"],
            nulls_last=True,
        )
        _head = last_refresh.filter(pl.col("scope") == "refresh").row(0, named=True)
        _end = (
            f"{_head['finished_at']:%H:%M} UTC, {_head['duration_s']} s"
            if _head["finished_at"] is not None
            else "still running: writing these reports"
        )
        _summary = (
            f"Refresh **{_head['refresh_id']}** ({_head['started_at']:%Y-%m-%d %H:%M} → "
            f"{_end}): **{_head['status']}**; {_head['rows_landed'] or 0:,} rows landed, "
            f"{_head['rows_set_aside'] or 0:,} set aside, "
            f"{_head['models_built'] or 0} models built."
        )

        def _error(text):
            return "`" + str(text).replace("`", "'") + "`"

        _failed = last_refresh.filter(pl.col("status") == "failed")
        _lines = [
            f"- source **{r['source_name']}** ({r['source_system']}): {_error(r['error_message'])}"
            for r in _failed.filter(pl.col("scope") == "source").iter_rows(named=True)
        ] + [
            f"- step **{r['step_name']}**: {_error(r['error_message'])}"
            for r in _failed.filter(pl.col("scope") == "step").iter_rows(named=True)
        ]
        if _lines:
            _callout = mo.callout(
                mo.md(_summary + "\n\n**What failed:**\n\n" + "\n".join(_lines)),
                kind="danger",
            )
        elif _head["status"] == "running":
            _callout = mo.callout(mo.md(_summary + " Nothing has failed so far."), kind="info")
        else:
            _callout = mo.md(_summary + " Every step and source succeeded.")
        _out = mo.vstack(
            [
                _callout,
                wh.table(
                    last_refresh.select(RUN_COLUMNS),
                    order="failures first, then sources, then steps",
                ),
            ]
        )
    _out
    return (last_refresh,)


@app.cell(hide_code=True)
def _(mo):
    mo.md(r"""
    ## Freshness per source

    First every configured source as the last build checked it
    (`marts.source_freshness`): hours since its call table last landed rows,
    against its system's warn and error thresholds; *never_loaded* is a
    configured source with nothing landed yet. Then the newest call and load
    of each source in `generations`. *Behind* is how far a source's newest
    call lags the newest call of any source: a source that stopped logging
    shows a growing number here while the others stay near 0.
    """)
    return


@app.cell
def _(wh):
    source_freshness = wh.query(
        """
        select
            source_name,
            source_system,
            freshness_status,
            round(hours_since_load, 1) as hours_since_load,
            freshness_warn_hours,
            freshness_error_hours,
            last_loaded_at,
            checked_at
        from marts.source_freshness
        order by freshness_status = 'ok', source_name
        """
    )
    return (source_freshness,)


@app.cell
def _(dt, pl, wh):
    freshness = wh.query(
        """
        select
            source_system,
            source_name,
            count(*) as calls,
            max(started_at) as last_call_at,
            max(loaded_at) as last_loaded_at
        from marts.generations
        group by all
        order by source_name
        """
    )
    _newest = freshness["last_call_at"].max()
    _now = dt.datetime.now(dt.UTC)
    freshness = freshness.with_columns(
        ((_newest - pl.col("last_call_at")).dt.total_minutes() / 60)
        .round(1)
        .alias("behind_newest_h"),
        ((pl.lit(_now) - pl.col("last_call_at")).dt.total_minutes() / 60)
        .round(1)
        .alias("hours_since_last_call"),
    )
    return (freshness,)


@app.cell
def _(freshness, mo, source_freshness, wh):
    _parts = []
    _late = [
        f"- **{r['source_name']}** ({r['source_system']}): {r['freshness_status']}"
        + (
            ""
            if r["hours_since_load"] is None
            else f", {r['hours_since_load']} h since its last load"
        )
        + f" (warn after {r['freshness_warn_hours']:g} h, "
        f"error after {r['freshness_error_hours']:g} h)"
        for r in source_freshness.iter_rows(named=True)
        if r["freshness_status"] != "ok"
    ]
    _errors = source_freshness.filter(
        source_freshness["freshness_status"].is_in(["error", "never_loaded"])
    )
    _parts.append(
        mo.callout(
            mo.md("Configured sources past a threshold:\n\n" + "\n".join(_late)),
            kind="danger" if len(_errors) else "warn",
        )
        if _late
        else mo.md("Every configured source landed calls within its warn threshold.")
    )
    _parts.append(wh.table(source_freshness))
    _stale = freshness.filter(freshness["behind_newest_h"] > 24)["source_name"].to_list()
    _parts += [
        mo.callout(
            mo.md("Behind the others by more than a day: **" + "**, **".join(_stale) + "**"),
            kind="warn",
        )
        if _stale
        else mo.md("Every source logged within a day of the newest call."),
        wh.table(freshness),
    ]
    mo.vstack(_parts)
    return


@app.cell(hide_code=True)
def _(mo):
    mo.md(r"""
    ## Calls per source per day

    A hole in a row is a day a source logged nothing.
    """)
    return


@app.cell
def _(alt, wh):
    _calls = wh.query(
        """
        select usage_date, source_name, cast(sum(requests) as bigint) as requests
        from marts.daily_usage
        where usage_date > (select max(usage_date) from marts.daily_usage) - 45
        group by all
        order by all
        """
    )
    alt.Chart(_calls).mark_rect().encode(
        x=alt.X("utcyearmonthdate(usage_date):T", title="Day (UTC)"),
        y=alt.Y("source_name:N", title="Source"),
        color=alt.Color("requests:Q", title="Calls (per day)", scale=alt.Scale(scheme="blues")),
        tooltip=[
            alt.Tooltip("utcyearmonthdate(usage_date):T", title="Day (UTC)"),
            alt.Tooltip("source_name:N", title="Source"),
            alt.Tooltip("requests:Q", title="Calls", format=","),
        ],
    ).properties(width="container", height=160)
    return


@app.cell(hide_code=True)
def _(mo):
    mo.md(r"""
    ## Rows set aside

    Rows whose counted facts cannot be true or cannot be placed (negative
    tokens, a timestamp in the future, a duplicate key...) are set aside in
    `quarantined_rows`, one row each with its rule and offending value.
    """)
    return


@app.cell
def _(wh):
    set_aside = wh.query(
        """
        select source_name, source_table, rule, count(*) as rows_set_aside
        from marts.quarantined_rows
        group by all
        order by rows_set_aside desc, source_name, source_table, rule
        """
    )
    return (set_aside,)


@app.cell
def _(alt, mo, set_aside, sources, wh):
    if len(set_aside) == 0:
        _out = mo.md("No row was set aside.")
    else:
        _out = mo.vstack(
            [
                alt.Chart(set_aside)
                .mark_bar()
                .encode(
                    x=alt.X("sum(rows_set_aside):Q", title="Rows set aside (rows)"),
                    y=alt.Y("rule:N", title="Rule", sort="-x"),
                    color=wh.source_color(sources, shown=set_aside["source_name"]),
                    tooltip=["source_name", "source_table", "rule", "rows_set_aside"],
                )
                .properties(width="container", height=200),
                wh.table(set_aside),
            ]
        )
    _out
    return


@app.cell(hide_code=True)
def _(mo):
    mo.md(r"""
    ## Accounting: landed = clean + set aside + superseded

    For each source table that holds LLM calls, over all its loads
    (`marts.landing_accounting`): rows in the Parquet landing zone, rows in
    `marts.generations`, rows set aside, and older versions of a row that a
    later load replaced. A non-zero *unexplained* is a bug in the warehouse.
    """)
    return


@app.cell
def _(pl, wh):
    accounting = wh.query(
        """
            select
                source_name,
                source_table,
                count(*) as loads,
                cast(sum(rows_landed) as bigint) as rows_landed,
                cast(sum(rows_clean) as bigint) as rows_clean,
                cast(sum(rows_set_aside) as bigint) as rows_set_aside,
                cast(sum(rows_superseded) as bigint) as rows_superseded,
                max(loaded_at) as last_loaded_at
            from marts.landing_accounting
            group by all
            order by source_name, source_table
            """
    ).with_columns(
        (
            pl.col("rows_landed")
            - pl.col("rows_clean")
            - pl.col("rows_set_aside")
            - pl.col("rows_superseded")
        ).alias("unexplained")
    )
    return (accounting,)


@app.cell
def _(accounting, mo, wh):
    _bad = accounting.filter(accounting["unexplained"] != 0)
    _out = mo.vstack(
        [
            mo.callout(
                mo.md(f"{len(_bad)} source table(s) do not balance: see *unexplained*."),
                kind="danger",
            )
            if len(_bad)
            else mo.md("Every call table balances."),
            wh.table(accounting),
        ]
    )
    _out
    return


@app.cell(hide_code=True)
def _(mo):
    mo.md(r"""
    ## Why a cost is unknown

    Every call's `cost_status`, per source: `priced` and `local` have a cost
    (local models cost $0); `unpriced_model` (no list price: add the model to
    the overrides seed), `no_tokens` (the source logs none) and `no_model`
    have an unknown cost, shown as *unknown* in every notebook.
    """)
    return


@app.cell
def _(alt, mo, wh):
    cost_status = wh.query(
        """
        select source_name, cost_status, count(*) as calls
        from marts.generations
        group by all
        order by source_name, cost_status
        """
    )
    mo.vstack(
        [
            alt.Chart(cost_status)
            .mark_bar()
            .encode(
                x=alt.X(
                    "sum(calls):Q",
                    title="Calls (% of the source)",
                    stack="normalize",
                    axis=alt.Axis(format="%"),
                ),
                y=alt.Y("source_name:N", title="Source"),
                color=alt.Color(
                    "cost_status:N",
                    title="Cost status",
                    scale=alt.Scale(
                        domain=["priced", "local", "unpriced_model", "no_tokens", "no_model"],
                        range=["#54a24b", "#88d27a", "#e45756", "#eeca3b", "#bab0ac"],
                    ),
                ),
                tooltip=["source_name", "cost_status", alt.Tooltip("sum(calls):Q", format=",")],
            )
            .properties(width="container", height=160),
            mo.md("Unpriced models, from `marts.unpriced_models`:"),
            wh.table(
                wh.query(
                    """
                    select
                        model_raw, source_name, requests, errors, requests_with_tokens,
                        total_tokens, reported_cost_usd, first_seen_at, last_seen_at
                    from marts.unpriced_models
                    order by requests desc, model_raw, source_name
                    """
                )
            ),
        ]
    )
    return (cost_status,)


@app.cell(hide_code=True)
def _(mo):
    mo.md(r"""
    ## The last refreshes

    Each `make nightly` writes one row per refresh, per step and per source of
    it to the run log (`marts.refresh_runs`): when it started and finished, the
    rows it landed and set aside, the models dbt built, and what failed with
    its error. Below, the last ten refreshes, newest first.
    """)
    return


@app.cell
def _(RUN_COLUMNS, alt, mo, refresh_runs, sources, wh):
    if refresh_runs is None or len(refresh_runs) == 0:
        _out = mo.md("No refresh recorded (see *The last refresh* above).")
    else:
        _per_source = refresh_runs.filter(refresh_runs["scope"] == "source")
        _chart = (
            alt.Chart(_per_source)
            .mark_bar()
            .encode(
                # one bar per refresh (its id is its UTC start), oldest left
                x=alt.X(
                    "refresh_id:O",
                    title="Refresh (id = its start, UTC)",
                    axis=alt.Axis(labelAngle=-30),
                ),
                y=alt.Y("rows_landed:Q", title="Rows landed (rows per refresh)"),
                color=wh.source_color(sources, shown=_per_source["source_name"]),
                stroke=alt.condition(
                    alt.datum.status == "failed", alt.value("#e45756"), alt.value(None)
                ),
                tooltip=[
                    alt.Tooltip("refresh_id:N", title="Refresh"),
                    alt.Tooltip("source_name:N", title="Source"),
                    alt.Tooltip("status:N", title="Status"),
                    alt.Tooltip("rows_landed:Q", title="Rows landed", format=","),
                    alt.Tooltip("rows_set_aside:Q", title="Rows set aside", format=","),
                    alt.Tooltip("duration_s:Q", title="Extract (s)"),
                    alt.Tooltip("error_message:N", title="Error"),
                ],
            )
            .properties(width="container", height=200)
        )
        _out = mo.vstack(
            [
                _chart,
                wh.table(
                    # a refresh's own row says "(whole refresh)" as its source
                    refresh_runs.select(["refresh_id", *(c for c in RUN_COLUMNS if c != "scope")]),
                    order="newest refresh first",
                ),
            ]
        )
    _out
    return


@app.cell(hide_code=True)
def _(mo):
    mo.md(r"""
    ### The last dbt command

    From dbt's `run_results.json` beside the warehouse: whatever ran last,
    a refresh or a `make build` by hand.
    """)
    return


@app.cell
def _(data_dir, json, mo, pl, wh):
    _run_results = data_dir / "dbt" / "target" / "run_results.json"
    _parts = []
    if _run_results.is_file():
        _rr = json.loads(_run_results.read_text())
        _results = pl.DataFrame(
            [
                {
                    "node": r["unique_id"],
                    "status": r["status"],
                    "seconds": round(r.get("execution_time") or 0, 2),
                    "message": r.get("message"),
                }
                for r in _rr.get("results", [])
            ],
            schema={
                "node": pl.String,
                "status": pl.String,
                "seconds": pl.Float64,
                "message": pl.String,
            },
        )
        _counts = _results.group_by("status").len().sort("status")
        _not_ok = _results.filter(~pl.col("status").is_in(["success", "pass", "no-op"]))
        _parts += [
            mo.md(
                f"Last dbt command: **{_rr['metadata'].get('generated_at', '?')}** (UTC), "
                f"{_rr.get('elapsed_time', 0):.0f} s, "
                + ", ".join(f"{n} {s}" for s, n in _counts.iter_rows())
                + "."
            ),
            wh.table(_not_ok)
            if len(_not_ok)
            else mo.md("Every model and test of that run succeeded."),
        ]
    else:
        _parts.append(mo.md(f"No dbt run results under `{_run_results.parent}`."))
    mo.vstack(_parts)
    return


if __name__ == "__main__":
    app.run()
