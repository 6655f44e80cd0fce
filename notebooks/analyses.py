import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium", app_title="LLM analyses")


@app.cell
def _():
    import altair as alt
    import marimo as mo
    import polars as pl

    from warehouse import notebook_support as wh

    return alt, mo, pl, wh


@app.cell(hide_code=True)
def _(mo):
    mo.md(r"""
    # Analyses

    What the apps record about themselves, read back: users over their token
    quota, the SQL a text-to-SQL model wrote, and how each step of a workflow
    spends its time and money. The columns are defined in docs/warehouse.md.
    """)
    return


@app.cell(hide_code=True)
def _(mo):
    mo.md(r"""
    ## Quota breaches

    Every UTC hour, day and calendar month in which one user spent more tokens
    (input + output, failed calls included) than the source's quota
    (`quota = { hour, day, month }` in sources.toml; text2sql's own limits are
    1,000 an hour, 10,000 a day and 100,000 a month per user). From
    `marts.quota_breaches`.
    """)
    return


@app.cell
def _(mo, wh):
    breaches = wh.query(
        """
        select
            window_kind,
            window_start,
            source_name,
            user_id,
            tokens,
            token_limit,
            overshoot_tokens,
            calls,
            failed_calls,
            app_counter_agrees
        from marts.quota_breaches
        order by overshoot_tokens desc, window_start desc, user_id
        """
    )
    _by_kind = {k: 0 for k in ("hour", "day", "month")}
    for _kind, _n in breaches.group_by("window_kind").len().iter_rows():
        _by_kind[_kind] = _n
    _users = breaches["user_id"].n_unique() if breaches.height else 0
    mo.hstack(
        [
            mo.stat(f"{_by_kind['hour']:,}", label="Hours over the limit"),
            mo.stat(f"{_by_kind['day']:,}", label="Days over the limit"),
            mo.stat(f"{_by_kind['month']:,}", label="Months over the limit"),
            mo.stat(f"{_users:,}", label="Users ever over a limit"),
        ],
        justify="start",
    )
    return (breaches,)


@app.cell
def _(alt, breaches, mo, wh):
    _hours = breaches.filter(breaches["window_kind"] == "hour")
    _daily = (
        _hours.with_columns(day=_hours["window_start"].dt.date())
        .group_by("day")
        .len("hours")
        .sort("day")
    )
    _chart = (
        alt.Chart(_daily)
        .mark_bar()
        .encode(
            x=alt.X("utcyearmonthdate(day):T", title="Day (UTC)"),
            y=alt.Y("hours:Q", title="Over the hourly limit (user-hours)"),
            tooltip=[
                alt.Tooltip("utcyearmonthdate(day):T", title="Day (UTC)"),
                alt.Tooltip("hours:Q", title="User-hours over", format=","),
            ],
        )
        .properties(width="container", height=200)
    )
    # a chart is a cell's own output: inside a stack, `marimo run` draws it out of reach
    _chart if _daily.height else mo.md("*No hour over a limit.*")
    return


@app.cell
def _(breaches, mo, wh):
    mo.vstack(
        [
            mo.md("### The largest overshoots"),
            # short headers, the source in user_id: the table fits the page
            wh.table(
                breaches.drop("source_name").rename(
                    {
                        "token_limit": "limit",
                        "overshoot_tokens": "overshoot",
                        "failed_calls": "failed",
                        "app_counter_agrees": "counter agrees",
                    }
                ),
                order="largest overshoot first",
            ),
        ]
    )
    return


@app.cell(hide_code=True)
def _(mo):
    mo.md(r"""
    ### The app's own counter against the log

    text2sql keeps a running token total per user (`users.token_usage`), which its
    quota checks read. Where it disagrees with the tokens of the user's logged
    calls, the app enforced its limits on another number than the one above
    (`marts.user_token_counters`).
    """)
    return


@app.cell
def _(mo, wh):
    counters = wh.query(
        """
        select
            user_id,
            app_counter_tokens,
            logged_tokens,
            counter_minus_logged,
            logged_calls
        from marts.user_token_counters
        where not counter_agrees
        order by abs(counter_minus_logged) desc nulls first, user_id
        """
    )
    _all = wh.query("select count(*) as n from marts.user_token_counters")["n"][0]
    mo.vstack(
        [
            mo.md(
                f"**{counters.height:,} of {_all:,} users**: the counter disagrees with the log."
            ),
            wh.table(counters, order="largest difference first"),
        ]
    )
    return


@app.cell(hide_code=True)
def _(mo):
    mo.md(r"""
    ## Generated SQL

    The SQL text2sql's model wrote, read with sqlglot when it landed
    (`marts.generated_sql`). A statement that is not a read (insert, update,
    delete, DDL) is a security finding: the model should only query.
    """)
    return


@app.cell
def _(alt, mo, wh):
    by_kind = wh.query(
        """
        select
            coalesce(statement_kind, 'does not parse') as statement_kind,
            count(*) as calls,
            count(*) filter (where app_marked_success) as successful,
            count(*) filter (where app_marked_success) / count(*) as success_rate
        from marts.generated_sql
        group by all
        order by calls desc, statement_kind
        """
    )
    _chart = (
        alt.Chart(by_kind)
        .mark_bar()
        .encode(
            y=alt.Y("statement_kind:N", title="Statement kind", sort="-x"),
            x=alt.X(
                "success_rate:Q",
                title="Marked successful by the app (%)",
                axis=alt.Axis(format="%"),
            ),
            tooltip=[
                alt.Tooltip("statement_kind:N", title="Kind"),
                alt.Tooltip("calls:Q", title="Calls", format=","),
                alt.Tooltip("success_rate:Q", title="Successful", format=".1%"),
            ],
        )
        .properties(width="container", height=160)
    )
    _chart if by_kind.height else mo.md("*No generated SQL.*")
    return (by_kind,)


@app.cell
def _(by_kind, wh):
    wh.table(by_kind)
    return


@app.cell
def _(mo, wh):
    destructive = wh.query(
        """
        select
            generated_at,
            user_id,
            statement_kind,
            sql_query,
            tables_referenced,
            app_marked_success
        from marts.generated_sql
        where is_destructive
        order by generated_at desc, generation_id
        """
    )
    unparsed = wh.query(
        """
        select generated_at, user_id, sql_query, parse_error, app_error_message
        from marts.generated_sql
        where not parses
        order by generated_at desc, generation_id
        """
    )
    mo.vstack(
        [
            mo.md(f"### Destructive statements, newest first ({destructive.height:,})"),
            wh.table(destructive, order="newest first"),
            mo.md(f"### SQL that does not parse ({unparsed.height:,})"),
            wh.table(unparsed, order="newest first"),
        ]
    )
    return destructive, unparsed


@app.cell(hide_code=True)
def _(mo):
    mo.md(r"""
    ## Steps of a workflow

    trip_planner's LangGraph nodes, ai_process_log's pipeline steps and the agent and
    tool spans of OpenTelemetry sources: how often each runs and fails, how long it
    takes (exact p50 and p95), what its LLM calls cost, and its share of its
    workflow's time and known cost (`marts.step_performance`).
    ai_process_log records no failures, so its are blank.
    """)
    return


@app.cell
def _(alt, mo, wh):
    steps = wh.for_chart(
        wh.query(
            """
            select
                source_name,
                step_name,
                step_type,
                executions,
                failures,
                skipped,
                p50_duration_ms,
                p95_duration_ms,
                llm_calls,
                total_tokens,
                known_cost_usd,
                share_of_workflow_time,
                share_of_workflow_cost
            from marts.step_performance
            order by source_name, share_of_workflow_time desc nulls last, step_name
            """
        )
    )
    _chart = (
        alt.Chart(steps)
        .mark_bar()
        .encode(
            y=alt.Y("step_name:N", title="Step", sort="-x"),
            x=alt.X(
                "share_of_workflow_time:Q",
                title="Share of the workflow's time (%)",
                axis=alt.Axis(format="%"),
            ),
            row=alt.Row("source_name:N", title=None),
            tooltip=[
                alt.Tooltip("step_name:N", title="Step"),
                alt.Tooltip("p95_duration_ms:Q", title="p95 ms", format=",.0f"),
                alt.Tooltip("share_of_workflow_cost:Q", title="Share of cost", format=".1%"),
            ],
        )
        .properties(width=500, height=120)
        .resolve_scale(y="independent")
    )
    _chart if steps.height else mo.md("*No workflow steps.*")
    return (steps,)


@app.cell
def _(pl, steps, wh):
    # the columns that fit the page, with short headers (all of them: marts.step_performance)
    wh.table(
        steps.with_columns(
            pl.col("p50_duration_ms", "p95_duration_ms").round(0),
            pl.col("share_of_workflow_time", "share_of_workflow_cost").round(3),
        )
        .select(
            "source_name",
            "step_name",
            "executions",
            "failures",
            "p50_duration_ms",
            "p95_duration_ms",
            "llm_calls",
            "known_cost_usd",
            "share_of_workflow_time",
            "share_of_workflow_cost",
        )
        .rename(
            {
                "p50_duration_ms": "p50 ms",
                "p95_duration_ms": "p95 ms",
                "share_of_workflow_time": "time share",
                "share_of_workflow_cost": "cost share",
            }
        )
    )
    return


@app.cell(hide_code=True)
def _(mo):
    mo.md(r"""
    ## Latency percentiles over any window

    p50, p90, p95 and p99 of successful calls' latency over the days, sources and
    models chosen, merged from per-day sketches (`marts.latency_sketches`) instead of
    read from the calls: each is within the sketches' stated relative error of the
    exact percentile of the same calls.
    """)
    return


@app.cell
def _(mo, wh):
    _first, _last = wh.date_bounds()
    _sketched = wh.query(
        """
        select distinct source_name, model from marts.latency_sketches
        """
    )
    sketch_days = mo.ui.date_range(
        start=_first, stop=_last, value=(_first, _last), label="Days (UTC)"
    )
    sketch_sources = mo.ui.multiselect(
        sorted(set(_sketched["source_name"].to_list())), label="Sources (none: all)"
    )
    sketch_models = mo.ui.multiselect(
        sorted(set(_sketched["model"].drop_nulls().to_list())), label="Models (none: all)"
    )
    mo.hstack([sketch_days, sketch_sources, sketch_models], justify="start")
    return sketch_days, sketch_models, sketch_sources


@app.cell
def _(mo, sketch_days, sketch_models, sketch_sources, wh):
    from warehouse.sketches import window_percentiles

    with wh.connect() as _con:
        window_calls, window_latency = window_percentiles(
            _con,
            sketch_days.value[0],
            sketch_days.value[1],
            sketch_sources.value,
            sketch_models.value,
        )
    _alpha = wh.query("select max(relative_error) as a from marts.latency_sketches")["a"][0]

    def _ms(q: float) -> str:
        v = window_latency.get(q)
        return "–" if v is None else f"{v:,.0f} ms"

    mo.vstack(
        [
            mo.hstack(
                [
                    mo.stat(f"{window_calls:,}", label="Successful calls timed"),
                    mo.stat(_ms(0.5), label="p50"),
                    mo.stat(_ms(0.9), label="p90"),
                    mo.stat(_ms(0.95), label="p95"),
                    mo.stat(_ms(0.99), label="p99"),
                ],
                justify="start",
            ),
            mo.md(
                f"*Within {_alpha:.1%} of the exact percentiles.*"
                if _alpha is not None
                else "*No timed calls.*"
            ),
        ]
    )
    return window_calls, window_latency


@app.cell(hide_code=True)
def _(mo):
    mo.md(r"""
    ## Feed posts: language, length, captions posted again

    What instagram_feed's model wrote, per tenant and model: posts, the languages of
    their copy (found when the rows landed) and the copy's length in characters
    (`marts.feed_outputs`); then the captions a tenant posted more than once, a copy
    the model only restyled (spacing, emoji, case) counting as the same caption
    (`marts.feed_caption_repeats`), most repeated first.
    """)
    return


@app.cell
def _(mo, wh):
    feed_posts = wh.query(
        """
        select
            tenant_id,
            model,
            count(*) as posts,
            count(*) filter (where copy_language = 'ko') as korean,
            count(*) filter (where copy_language = 'en') as english,
            count(*) filter (where copy_language not in ('ko', 'en')) as other_language,
            round(avg(copy_length)) as avg_copy_chars,
            max(copy_length) as max_copy_chars
        from marts.feed_outputs
        group by tenant_id, model
        order by tenant_id, posts desc, model
        """
    )
    wh.table(feed_posts) if feed_posts.height else mo.md("*No feed posts.*")
    return (feed_posts,)


@app.cell
def _(mo, wh):
    caption_repeats = wh.query(
        """
        select
            tenant_id,
            posts,
            distinct_copies as styles,
            models,
            example_copy
        from marts.feed_caption_repeats
        order by posts desc, tenant_id, example_copy
        limit 15
        """
    )
    wh.table(caption_repeats) if caption_repeats.height else mo.md("*No caption posted twice.*")
    return (caption_repeats,)


if __name__ == "__main__":
    app.run()
