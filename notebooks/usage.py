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

    def stack_color(frame):
        """The legend lists what the chart draws: the groups with a non-zero bar."""
        _shown = frame[_field]
        if _field == "model":
            return wh.model_color(models, shown=_shown)
        if _field == "source_name":
            return wh.source_color(sources or [], shown=_shown)
        return alt.Color(f"{_field}:N", title=_title)

    def daily_bars(frame, field, title):
        """Bars per UTC day, stacked by the chosen dimension (groups with nothing to draw,
        e.g. a source that logs no tokens, are left out, legend included)."""
        frame = frame.filter(frame[field] > 0)
        return (
            alt.Chart(frame)
            .mark_bar()
            .encode(
                x=alt.X("utcyearmonthdate(usage_date):T", title="Day (UTC)"),
                y=alt.Y(f"sum({field}):Q", title=title, stack="zero"),
                color=stack_color(frame),
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
    ## Why calls fail

    Every failed call has a class (`generations.error_class`), read from the
    status codes and words of its error message: `rate_limit`, `timeout`,
    `server_error`, `authentication`, `context_length`, `bad_request`,
    `tool_error` (the app's own tool, e.g. the SQL the model wrote, failed) or
    `other`; docs/errors.md holds the rule of each. Filters above apply.
    """)
    return


@app.cell
def _(filters, wh):
    failure_where = f"""
        started_on between $start and $end
        and {wh.in_list_filter("source_name", "sources")}
        and {wh.in_list_filter("coalesce(tenant_id, $no_tenant)", "tenants")}
        and {wh.in_list_filter("coalesce(model, $no_model)", "models")}
    """
    # failed calls per class, model and source, beside the calls of that model and source
    failures = wh.query(
        f"""
        with calls as (
            select
                coalesce(model, $no_model) as model,
                source_name,
                error_class,
                status
            from marts.generations
            where {failure_where}
        ),
        per_model_source as (
            select model, source_name, count(*) as calls
            from calls
            group by all
        )
        select
            c.error_class,
            c.model,
            c.source_name,
            cast(count(*) as bigint) as failed_calls,
            any_value(m.calls) as calls,
            round(100.0 * count(*) / any_value(m.calls), 1) as failed_pct
        from calls as c
        inner join per_model_source as m using (model, source_name)
        where c.status = 'error'
        group by all
        order by failed_calls desc, c.error_class, c.model, c.source_name
        """,
        filters,
    )
    top_messages = wh.query(
        f"""
        select
            error_class,
            {wh.masked_message_sql("error_message")} as message,
            cast(count(*) as bigint) as failed_calls,
            string_agg(distinct source_name, ', ' order by source_name) as sources,
            string_agg(distinct coalesce(model, $no_model), ', '
                order by coalesce(model, $no_model)) as models
        from marts.generations
        where status = 'error' and {failure_where}
        group by all
        order by failed_calls desc, error_class, message
        limit 10
        """,
        filters,
    )
    return failures, top_messages


@app.cell
def _(alt, failures, mo, sources, wh):
    if failures.height == 0:
        _out = mo.md("No failed calls under these filters.")
    else:
        _by_class = (
            alt.Chart(failures)
            .mark_bar()
            .encode(
                y=alt.Y("error_class:N", title="Why (class)", sort="-x"),
                x=alt.X("sum(failed_calls):Q", title="Failed calls (calls)", stack="zero"),
                color=wh.source_color(sources or [], shown=failures["source_name"]),
                tooltip=[
                    alt.Tooltip("error_class:N", title="Class"),
                    alt.Tooltip("source_name:N", title="Source"),
                    alt.Tooltip("sum(failed_calls):Q", title="Failed calls", format=","),
                ],
            )
            .properties(width="container", height=30 * failures["error_class"].n_unique() + 40)
        )
        _out = mo.vstack(
            [
                _by_class,
                mo.md(
                    "Failed calls by class, model and source; *calls* are every call "
                    "of that model from that source, *% failed* their share that "
                    "failed with this class."
                ),
                wh.table(
                    failures.rename(
                        {
                            "error_class": "class",
                            "source_name": "source",
                            "failed_calls": "failed calls",
                            "failed_pct": "% failed",
                        }
                    ),
                    order="most failed calls first",
                ),
            ]
        )
    _out
    return


@app.cell(hide_code=True)
def _(mo):
    mo.md(r"""
    ### The most frequent error messages

    Messages with their ids and numbers masked (`<id>`, `<n>`), so that one
    error repeated with different request ids or durations is one line.
    """)
    return


@app.cell
def _(top_messages, wh):
    wh.table(
        top_messages.rename({"error_class": "class", "failed_calls": "failed calls"}),
        order="most frequent first",
    )
    return


@app.cell(hide_code=True)
def _(mo):
    mo.md(r"""
    ## Who spends: top users in the window

    Users ranked by **known cost** under the filters above, then by calls.
    Beside it: their calls, failed calls, tokens, and the calls whose cost is
    unknown (an unpriced model, or no token counts), which the known cost
    leaves out. A cost below a cent keeps two significant digits, so a
    non-zero cost never reads as zero. Some systems (`instagram_feed`, `ml_gateway`) log no
    user: their calls are grouped as *(no user)*, one row per source, after
    every user. Cost is **unknown** when none of a user's calls has a known
    price, never $0.
    """)
    return


@app.cell
def _(filters, usage_where, wh):
    top_users = wh.query(
        f"""
        with per_user as (
            select
                user_id is null as is_no_user,
                coalesce(user_id, $no_user) as user_id,
                source_name,
                sum(cost_usd) as cost_usd,
                cast(sum(requests) as bigint) as calls,
                cast(sum(errors) as bigint) as failed_calls,
                cast(sum(total_tokens) as bigint) as total_tokens,
                cast(sum(unpriced_requests) as bigint) as unknown_cost_calls,
                count(distinct usage_date) as active_days
            from marts.daily_usage
            where {usage_where}
            group by all
        ),
        ranked as (
            select
                *,
                row_number() over (
                    partition by is_no_user
                    order by cost_usd desc nulls last, calls desc, total_tokens desc nulls last,
                        user_id, source_name
                ) as rank_in_group
            from per_user
        )
        select
            -- the source is the user id's prefix; (no user) says its source
            case when is_no_user then user_id || ' ' || source_name else user_id end
                as user_id,
            cost_usd,
            calls,
            failed_calls,
            total_tokens,
            unknown_cost_calls,
            active_days
        from ranked
        where is_no_user or rank_in_group <= 15
        order by is_no_user, rank_in_group
        """,
        filters,
    )
    return (top_users,)


@app.cell
def _(top_users, wh):
    wh.table(
        top_users,
        format_mapping={"cost_usd": wh.usd},
        order="15 users with the highest known cost, then (no user)",
    )
    return


@app.cell(hide_code=True)
def _(mo):
    mo.md(r"""
    ## Sessions that cost the most in the window

    A session is a conversation, workflow run or job, placed by its first
    call. Ranked by known cost, then calls, then tokens; sessions without a
    known cost come last. The model filter does not apply here: a session may
    call several models. Minutes: wall-clock, from the first call's start to
    the last call's end; steps: the distinct workflow steps its calls were
    made in.
    """)
    return


@app.cell
def _(filters, wh):
    top_sessions = wh.query(
        f"""
        select
            session_id,  -- '<source>:<id>'
            coalesce(user_id, $no_user) as user_id,
            cost_usd,
            generations as calls,
            errors as failed_calls,
            total_tokens,
            unpriced_generations as unknown_cost_calls,
            strftime(started_at, '%Y-%m-%d %H:%M') as started_utc,
            round(duration_ms / 60000, 1) as minutes,
            steps_with_calls as steps
        from marts.sessions
        where cast(started_at as date) between $start and $end
            and {wh.in_list_filter("source_name", "sources")}
            and {wh.in_list_filter("coalesce(tenant_id, $no_tenant)", "tenants")}
        order by cost_usd desc nulls last, generations desc, total_tokens desc nulls last,
            session_id
        limit 15
        """,
        filters,
    )
    return (top_sessions,)


@app.cell
def _(top_sessions, wh):
    wh.table(
        top_sessions,
        format_mapping={"cost_usd": wh.usd},
        order="highest known cost first",
    )
    return


if __name__ == "__main__":
    app.run()
