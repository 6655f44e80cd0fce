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

    from ingest import notebook_support as wh

    return alt, dt, duckdb, json, mo, pl, wh


@app.cell(hide_code=True)
def _(mo):
    mo.md(r"""
    # Data quality

    Can the other notebooks be trusted this morning? Which source stopped
    logging, whether every landed row is accounted for, how many calls have an
    unknown cost and why, and how the last refresh went. Where a table this
    page needs has not been built yet, it says so.
    """)
    return


@app.cell
def _(wh):
    present = wh.relations()
    data_dir = wh.data_dir()
    return data_dir, present


@app.cell(hide_code=True)
def _(mo):
    mo.md(r"""
    ## Freshness per source

    The newest call and the newest load of each source. *Behind* is how far a
    source's newest call lags the newest call of any source: a source that
    stopped logging shows a growing number here while the others stay near 0.
    """)
    return


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
def _(freshness, mo):
    _stale = freshness.filter(freshness["behind_newest_h"] > 24)["source_name"].to_list()
    mo.vstack(
        [
            mo.callout(
                mo.md("Behind the others by more than a day: **" + "**, **".join(_stale) + "**"),
                kind="warn",
            )
            if _stale
            else mo.md("Every source logged within a day of the newest call."),
            mo.ui.table(freshness, selection=None),
        ]
    )
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
        color=alt.Color("requests:Q", title="Calls per day", scale=alt.Scale(scheme="blues")),
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
def _(present, wh):
    quarantine_relation = wh.find_relation("quarantined_rows", present)
    set_aside = (
        wh.query(
            f"""
            select source_name, source_table, rule, count(*) as rows_set_aside
            from {quarantine_relation}
            group by all
            order by rows_set_aside desc, source_name, source_table, rule
            """
        )
        if quarantine_relation is not None
        else None
    )
    return quarantine_relation, set_aside


@app.cell
def _(alt, mo, set_aside):
    if set_aside is None:
        _out = mo.md(
            "**Not available yet**: the `quarantined_rows` table is built by issue #5. "
            "Until then no row is set aside, and every landed call reaches `generations`."
        )
    elif len(set_aside) == 0:
        _out = mo.md("No row was set aside.")
    else:
        _out = mo.vstack(
            [
                alt.Chart(set_aside)
                .mark_bar()
                .encode(
                    x=alt.X("sum(rows_set_aside):Q", title="Rows set aside"),
                    y=alt.Y("rule:N", title="Rule", sort="-x"),
                    color=alt.Color("source_name:N", title="Source"),
                    tooltip=["source_name", "source_table", "rule", "rows_set_aside"],
                )
                .properties(width="container", height=200),
                mo.ui.table(set_aside, selection=None),
            ]
        )
    _out
    return


@app.cell(hide_code=True)
def _(mo):
    mo.md(r"""
    ## Accounting: landed = clean + set aside

    For each source table that holds LLM calls: rows in the Parquet landing
    zone, rows in `marts.generations`, rows set aside. A non-zero *unexplained*
    is a bug in the warehouse. (Landed counts every file in the landing zone;
    a row landed twice by overlapping loads is counted twice there and once in
    the model.)
    """)
    return


@app.cell
def _(data_dir, duckdb, pl, quarantine_relation, wh):
    _landing = data_dir / "landing"
    _files = sorted(_landing.glob("*/*/*/*.parquet"))
    if _files:
        _mem = duckdb.connect()
        try:
            landed = _mem.sql(
                "select file_name, num_rows from parquet_file_metadata($files)",
                params={"files": [str(f) for f in _files]},
            ).pl()
        finally:
            _mem.close()
        _parts = landed["file_name"].str.split("/").list
        landed = (
            landed.with_columns(
                _parts.get(-3).alias("source_name"), _parts.get(-2).alias("source_table")
            )
            .group_by("source_name", "source_table")
            .agg(pl.col("num_rows").sum().alias("rows_landed"), pl.len().alias("files"))
        )
    else:
        landed = pl.DataFrame(
            schema={
                "source_name": pl.String,
                "source_table": pl.String,
                "rows_landed": pl.Int64,
                "files": pl.UInt32,
            }
        )
    _clean = wh.query(
        """
        select source_name, source_table, count(*) as rows_in_generations
        from marts.generations
        group by all
        """
    )
    accounting = landed.join(_clean, on=["source_name", "source_table"], how="inner")
    if quarantine_relation is not None:
        _aside = wh.query(
            f"""
            select source_name, source_table, count(*) as rows_set_aside
            from {quarantine_relation}
            group by all
            """
        )
        accounting = accounting.join(
            _aside, on=["source_name", "source_table"], how="left"
        ).with_columns(pl.col("rows_set_aside").fill_null(0))
    else:
        accounting = accounting.with_columns(pl.lit(0, pl.Int64).alias("rows_set_aside"))
    accounting = accounting.with_columns(
        (pl.col("rows_landed") - pl.col("rows_in_generations") - pl.col("rows_set_aside")).alias(
            "unexplained"
        )
    ).sort("source_name", "source_table")
    return (accounting,)


@app.cell
def _(accounting, mo, quarantine_relation):
    _bad = accounting.filter(accounting["unexplained"] != 0)
    mo.vstack(
        [
            mo.callout(
                mo.md(f"{len(_bad)} source table(s) do not balance: see *unexplained*."),
                kind="danger",
            )
            if len(_bad)
            else mo.md("Every call table balances."),
            mo.md("")
            if quarantine_relation
            else mo.md("*Rows set aside is 0 because `quarantined_rows` is not available yet.*"),
            mo.ui.table(accounting, selection=None),
        ]
    )
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
def _(alt, mo, present, wh):
    cost_status = wh.query(
        """
        select source_name, cost_status, count(*) as calls
        from marts.generations
        group by all
        order by source_name, cost_status
        """
    )
    _unpriced_relation = next(
        (r for r in sorted(present) if "unpriced" in r.split(".", 1)[1]), None
    )
    mo.vstack(
        [
            alt.Chart(cost_status)
            .mark_bar()
            .encode(
                x=alt.X(
                    "sum(calls):Q", title="Calls", stack="normalize", axis=alt.Axis(format="%")
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
            mo.md(f"Unpriced models, from `{_unpriced_relation}`:")
            if _unpriced_relation
            else mo.md(
                "The data-quality model of unpriced models is **not available yet** "
                "(issue #4); the `unpriced_model` bars above count the same calls."
            ),
            mo.ui.table(wh.query(f"select * from {_unpriced_relation}"), selection=None)
            if _unpriced_relation
            else mo.md(""),
        ]
    )
    return (cost_status,)


@app.cell(hide_code=True)
def _(mo):
    mo.md(r"""
    ## The last refreshes
    """)
    return


@app.cell
def _(data_dir, json, mo, pl, present, wh):
    _runs_relation = next(
        (r for r in sorted(present) if any(k in r for k in ("refresh_run", "run_log"))), None
    )
    _run_results = data_dir / "dbt" / "target" / "run_results.json"
    _parts = []
    if _runs_relation:
        _parts += [
            mo.md(f"The refresh run log, `{_runs_relation}`:"),
            mo.ui.table(wh.query(f"select * from {_runs_relation}"), selection=None),
        ]
    else:
        _parts.append(
            mo.md(
                "The refresh run log is **not available yet** (issue #6). "
                "Below, the outcome of the last dbt command on this warehouse."
            )
        )
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
        _not_ok = _results.filter(~pl.col("status").is_in(["success", "pass"]))
        _parts += [
            mo.md(
                f"Last dbt command: **{_rr['metadata'].get('generated_at', '?')}** (UTC), "
                f"{_rr.get('elapsed_time', 0):.0f} s, "
                + ", ".join(f"{n} {s}" for s, n in _counts.iter_rows())
                + "."
            ),
            mo.ui.table(_not_ok, selection=None)
            if len(_not_ok)
            else mo.md("Every model and test of that run succeeded."),
        ]
    else:
        _parts.append(mo.md(f"No dbt run results under `{_run_results.parent}`."))
    mo.vstack(_parts)
    return


if __name__ == "__main__":
    app.run()
