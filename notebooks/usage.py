import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium", app_title="LLM usage")


@app.cell
def _():
    import altair as alt
    import marimo as mo

    from warehouse import notebook_support as wh

    return alt, mo, wh


@app.cell(hide_code=True)
def _(mo):
    mo.md(r"""
    # Usage

    Requests, tokens and failed calls per UTC day, who made them and in which
    sessions. Everything here is read from the marts `daily_usage` and
    `sessions` (never from raw calls), on a read-only connection that is closed
    after each query, so a refresh is never blocked by an open notebook.
    """)
    return


@app.cell
def _(mo, wh):
    _first, _last = wh.date_bounds()
    _dims = wh.query(
        """
        select
            list_sort(list(distinct source_name)) as sources,
            list_sort(list(distinct coalesce(tenant_id, $no_tenant))) as tenants
        from marts.daily_usage
        """,
        {"no_tenant": wh.NO_TENANT},
    )
    models = wh.model_names()
    date_range = mo.ui.date_range(
        start=_first, stop=_last, value=(_first, _last), label="Days (UTC)"
    )
    sources, _tenants = _dims.row(0)
    source_filter = mo.ui.multiselect(sources or [], label="Sources (all if none)")
    tenant_filter = mo.ui.multiselect(_tenants or [], label="Tenants (all if none)")
    model_filter = mo.ui.multiselect(models, label="Models (all if none)")
    stack_by = mo.ui.dropdown(
        {"model": "model", "source": "source_name", "tenant": "tenant"},
        value="model",
        label="Stack by",
    )
    mo.vstack(
        [
            mo.hstack([date_range, stack_by], justify="start"),
            mo.hstack([source_filter, tenant_filter, model_filter], justify="start"),
        ]
    )
    return (
        date_range,
        model_filter,
        models,
        source_filter,
        sources,
        stack_by,
        tenant_filter,
    )


@app.cell
def _(date_range, model_filter, source_filter, tenant_filter, wh):
    # One set of filter values and one WHERE clause for every query below.
    filters = {
        "start": date_range.value[0],
        "end": date_range.value[1],
        "sources": list(source_filter.value),
        "tenants": list(tenant_filter.value),
        "models": list(model_filter.value),
        "no_model": wh.NO_MODEL,
        "no_tenant": wh.NO_TENANT,
        "no_user": wh.NO_USER,
    }
    usage_where = f"""
        usage_date between $start and $end
        and {wh.in_list_filter("source_name", "sources")}
        and {wh.in_list_filter("coalesce(tenant_id, $no_tenant)", "tenants")}
        and {wh.in_list_filter("coalesce(model, $no_model)", "models")}
    """
    return filters, usage_where


@app.cell
def _(filters, usage_where, wh):
    daily = wh.query(
        f"""
        select
            usage_date,
            coalesce(model, $no_model) as model,
            source_name,
            coalesce(tenant_id, $no_tenant) as tenant,
            cast(sum(requests) as bigint) as requests,
            cast(sum(errors) as bigint) as errors,
            cast(sum(total_tokens) as bigint) as total_tokens
        from marts.daily_usage
        where {usage_where}
        group by all
        order by all
        """,
        filters,
    )
    total_requests = int(daily["requests"].sum())
    total_errors = int(daily["errors"].sum())
    total_tokens = int(daily["total_tokens"].sum())
    return daily, total_errors, total_requests, total_tokens


@app.cell(hide_code=True)
def _(date_range, mo, total_errors, total_requests, total_tokens, wh):
    mo.hstack(
        [
            mo.stat(f"{total_requests:,}", label="Requests"),
            mo.stat(
                f"{total_errors:,}",
                label="Failed calls",
                caption=f"{wh.pct(total_errors, total_requests)} of requests",
            ),
            mo.stat(f"{total_tokens:,}", label="Tokens", caption="where the source logs them"),
            mo.stat(f"{date_range.value[0]} → {date_range.value[1]}", label="Window (UTC)"),
        ],
        justify="start",
    )
    return


@app.cell
def _(alt, models, sources, stack_by, wh):
    # The colour channel for the chosen stacking: models and sources keep their colour
    # everywhere.
    _field, _title = {
        "model": ("model", "Model"),
        "source_name": ("source_name", "Source"),
        "tenant": ("tenant", "Tenant"),
    }[stack_by.value]
    if _field == "model":
        stack_color = wh.model_color(models)
    elif _field == "source_name":
        stack_color = wh.source_color(sources or [])
    else:
        stack_color = alt.Color(f"{_field}:N", title=_title)

    def daily_bars(frame, field, title):
        """Bars per UTC day, stacked by the chosen dimension."""
        return (
            alt.Chart(frame)
            .mark_bar()
            .encode(
                x=alt.X("utcyearmonthdate(usage_date):T", title="Day (UTC)"),
                y=alt.Y(f"sum({field}):Q", title=title, stack="zero"),
                color=stack_color,
                tooltip=[
                    alt.Tooltip("utcyearmonthdate(usage_date):T", title="Day (UTC)"),
                    alt.Tooltip(f"{_field}:N", title=_title),
                    alt.Tooltip(f"sum({field}):Q", title=title, format=","),
                ],
            )
            .properties(width="container", height=240)
        )

    return (daily_bars,)


@app.cell(hide_code=True)
def _(mo):
    mo.md(r"""
    ## Requests per day

    One request is one LLM call. Calls without a model (RAG steps of
    `ai_process_log`) are counted under *(no model)*.
    """)
    return


@app.cell
def _(daily, daily_bars):
    daily_bars(daily, "requests", "Requests (calls per day)")
    return


@app.cell(hide_code=True)
def _(mo):
    mo.md(r"""
    ## Tokens per day

    Input plus output tokens, where the source records them. `ml_gateway` logs
    no tokens at all, so its calls add requests above but nothing here.
    """)
    return


@app.cell
def _(daily, daily_bars):
    daily_bars(daily, "total_tokens", "Tokens (per day)")
    return


@app.cell(hide_code=True)
def _(mo):
    mo.md(r"""
    ## Failed calls per day

    A call the application logged as failed (status `error`). It still counts
    in requests above; a spike here with flat requests is a provider problem,
    a spike in both is a retry storm.
    """)
    return


@app.cell
def _(daily, daily_bars):
    daily_bars(daily, "errors", "Failed calls (calls per day)")
    return


@app.cell(hide_code=True)
def _(mo):
    mo.md(r"""
    ## Top users in the window

    Users with the most requests under the filters above. Some systems
    (`instagram_feed`, `ml_gateway`) log no user: their calls are one row,
    *(no user)*, per source. Cost is **unknown** when none of a user's calls has
    a known price, never $0.
    """)
    return


@app.cell
def _(filters, usage_where, wh):
    top_users = wh.query(
        f"""
        select
            coalesce(user_id, $no_user) as user_id,
            source_name,
            cast(sum(requests) as bigint) as requests,
            cast(sum(errors) as bigint) as errors,
            cast(sum(total_tokens) as bigint) as total_tokens,
            sum(cost_usd) as cost_usd,
            count(distinct usage_date) as active_days
        from marts.daily_usage
        where {usage_where}
        group by all
        order by requests desc, user_id
        limit 15
        """,
        filters,
    )
    return (top_users,)


@app.cell
def _(top_users, wh):
    wh.table(top_users, format_mapping={"cost_usd": wh.usd})
    return


@app.cell(hide_code=True)
def _(mo):
    mo.md(r"""
    ## Largest sessions in the window

    A session is a conversation, workflow run or job, placed by its first call.
    The model filter does not apply here: a session may call several models.
    """)
    return


@app.cell
def _(filters, wh):
    top_sessions = wh.query(
        f"""
        select
            session_id,
            source_name,
            coalesce(user_id, $no_user) as user_id,
            generations as requests,
            errors,
            total_tokens,
            cost_usd,
            started_at,
            round(epoch(ended_at - started_at) / 60, 1) as minutes
        from marts.sessions
        where cast(started_at as date) between $start and $end
            and {wh.in_list_filter("source_name", "sources")}
            and {wh.in_list_filter("coalesce(tenant_id, $no_tenant)", "tenants")}
        order by generations desc, session_id
        limit 15
        """,
        filters,
    )
    return (top_sessions,)


@app.cell
def _(top_sessions, wh):
    wh.table(top_sessions, format_mapping={"cost_usd": wh.usd})
    return


if __name__ == "__main__":
    app.run()
