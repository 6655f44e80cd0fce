"""The nightly refresh end to end: incremental marts equal a full rebuild, a second
refresh with nothing new changes nothing, a late row corrects its day, a re-landed call
moved weeks back stretches its session and its user's activity, a row set aside and
then corrected leaves quarantined_rows, a day whose only timed call fails leaves the
latency marts, and two refreshes started together run once."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import subprocess
from pathlib import Path

import duckdb
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from tests.support.cli import REPO, demo, demo_env, make
from tests.support.marts import marts
from warehouse import dbt_runner
from warehouse.nightly import EXIT_LOCKED

pytestmark = pytest.mark.e2e

MARTS = (
    "generations", "daily_usage", "model_costs", "latency_percentiles", "model_latency_daily",
    "latency_sketches", "sessions", "users", "feed_outputs", "quarantined_rows", "generated_sql",
)  # fmt: skip
# the demo sets no row aside: quarantined_rows fills only in the last steps below
MAY_BE_EMPTY = ("quarantined_rows",)
CALLS = 100


def _started_nightly(env: dict[str, str]) -> subprocess.Popen:
    """`make nightly`, started (two at once below); its output, stderr included, on stdout."""
    return subprocess.Popen(
        ["make", "--no-print-directory", "nightly"],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip


# an intermediate table kept up to date incrementally (by trace): compared too
STEPS = "int_otel_genai__steps"


def _with_steps(data_dir: Path, marts_read: dict[str, pl.DataFrame]) -> dict[str, pl.DataFrame]:
    """`marts_read` and every row of STEPS, from the builder's database."""
    with duckdb.connect(str(data_dir / "builder.duckdb"), read_only=True) as con:
        steps = con.sql(f"select * from intermediate.{STEPS} order by all").pl()
    return marts_read | {STEPS: steps}


def _nightly_marts(data_dir: Path) -> dict[str, pl.DataFrame]:
    return _with_steps(data_dir, marts(data_dir, MARTS))


def _full_rebuild(data_dir: Path) -> dict[str, pl.DataFrame]:
    # published_relations: the readers' database shows the rebuilt marts
    assert dbt_runner.run(
        data_dir, "run", "--full-refresh", "--select", *MARTS, STEPS, "published_relations"
    ).ok
    return _nightly_marts(data_dir)


def _assert_same(a: dict[str, pl.DataFrame], b: dict[str, pl.DataFrame]) -> None:
    for m in (*MARTS, STEPS):
        assert a[m].height > 0 or m in MAY_BE_EMPTY, m
        assert_frame_equal(a[m], b[m], check_exact=True), m


def _late_ai_process_log_row(db: Path, day: str, created_at: str | None = None) -> tuple[int, int]:
    """Insert a copy of a call of `day` (UTC) with a new id and 777777 input tokens, in
    the same session, at `created_at` (local time) if given; return (its token_input,
    its id)."""
    con = sqlite3.connect(db)
    with con:
        # created_at is Asia/Seoul (UTC+9): 10:00 to 23:00 there is the same UTC day
        row = con.execute(
            "select session_id, node_name, model, token_output, latency_ms, created_at "
            "from ai_process_log where model is not null "
            "and created_at between ? and ? order by id limit 1",
            (f"{day} 10:00", f"{day} 23:00"),
        ).fetchone()
        assert row is not None
        if created_at is not None:
            row = (*row[:-1], created_at)
        new_id = con.execute("select max(id) + 1 from ai_process_log").fetchone()[0]
        con.execute(
            "insert into ai_process_log (id, session_id, node_name, model, token_input, "
            "token_output, latency_ms, created_at) values (?, ?, ?, ?, 777777, ?, ?, ?)",
            (new_id, *row),
        )
    con.close()
    return 777777, new_id


def _newest_text2sql_calls(db: Path) -> list[tuple[str, str, str]]:
    """(query_analytics id, chat session id, user id) of the newest calls by created_at
    (the cursor: an update to them is read again within the look-back), those whose
    session has other calls first."""
    with sqlite3.connect(db) as con:
        return con.execute(
            "select q.id, min(m.session_id), q.user_id from query_analytics q "
            "join chat_messages m on m.query_id = q.query_id "
            "group by q.id, q.user_id, q.created_at "
            "order by (select count(distinct m2.query_id) from chat_messages m2 "
            "          where m2.session_id = min(m.session_id)) > 1 desc, "
            "q.created_at desc limit 20"
        ).fetchall()


def _update_text2sql_call(db: Path, call_id: str, assignment: str, *params: object) -> None:
    con = sqlite3.connect(db)
    with con:
        n = con.execute(
            f"update query_analytics set {assignment} where id = ?", (*params, call_id)
        ).rowcount
    con.close()
    assert n == 1


# a query no query_analytics call has (until the last steps below): its chat message
# is a generated_sql row of its own
LONE_QUERY = "00000000-0000-4000-8000-00000000c0de"


def _chat_only_message(db: Path, day: str) -> str:
    """Point the first chat message with SQL of `day` at LONE_QUERY; return its id."""
    con = sqlite3.connect(db)
    with con:
        (message_id,) = con.execute(
            "select id from chat_messages where sql_query is not null "
            "and timestamp between ? and ? order by id limit 1",
            (f"{day} 00:00", f"{day} 23:59"),
        ).fetchone()
        con.execute("update chat_messages set query_id = ? where id = ?", (LONE_QUERY, message_id))
    con.close()
    return message_id


def _late_call_of_lone_query(db: Path) -> str:
    """A new query_analytics call of LONE_QUERY, a copy of the newest call (tokens made
    positive) made when that call was written; return its id."""
    con = sqlite3.connect(db)
    with con:
        new_id = "00000000-0000-4000-8000-00000000ca11"
        con.execute(
            "insert into query_analytics select ?, ?, user_id, question, sql_query, "
            "execution_time, row_count, success, error_message, chart_type, "
            "abs(prompt_tokens), completion_tokens, total_tokens, llm_model, "
            "llm_cost_estimate, created_at, created_at "
            "from query_analytics order by created_at desc limit 1",
            (new_id, LONE_QUERY),
        )
    con.close()
    return new_id


def _late_message_of_old_call(db: Path, day: str) -> tuple[str, str]:
    """A new chat message with SQL, written now (read within the look-back), showing the
    SQL of the first call of `day` that has one: in that call's session, with an id
    that sorts before every other; return (message id, call id)."""
    con = sqlite3.connect(db)
    with con:
        call_id, query, session = con.execute(
            "select q.id, q.query_id, min(m.session_id) from query_analytics q "
            "join chat_messages m on m.query_id = q.query_id and m.sql_query is not null "
            "where q.timestamp between ? and ? group by q.id, q.query_id order by q.id limit 1",
            (f"{day} 00:00", f"{day} 23:59"),
        ).fetchone()
        message_id = "00000000-0000-4000-8000-0000000000aa"
        con.execute(
            "insert into chat_messages (id, session_id, message_type, content, query_id, "
            "sql_query, timestamp, sequence_number) select ?, ?, 'assistant', 'late', ?, "
            "'select 1', max(timestamp), 99 from chat_messages",
            (message_id, session, query),
        )
    con.close()
    return message_id, call_id


def _late_otel_span(
    path: Path, error: bool, day: dt.date = dt.date(2025, 5, 2), span_id: str = "cd" * 8
) -> None:
    """An OTLP/JSON export of one chat span on ``day`` at 03:00 UTC, 1.2 s long; the same
    trace and span ids every time, so a second export supersedes the first."""
    start = int(dt.datetime(day.year, day.month, day.day, 3, tzinfo=dt.UTC).timestamp()) * 10**9
    attributes = {
        "gen_ai.operation.name": {"stringValue": "chat"},
        "gen_ai.provider.name": {"stringValue": "openai"},
        "gen_ai.request.model": {"stringValue": "gpt-4o-mini"},
        "gen_ai.usage.input_tokens": {"intValue": "10"},
        "gen_ai.usage.output_tokens": {"intValue": "5"},
    }
    span = {
        "traceId": "ab" * 16, "spanId": span_id, "name": "chat gpt-4o-mini", "kind": 3,
        "startTimeUnixNano": str(start), "endTimeUnixNano": str(start + 1_200_000_000),
        "attributes": [{"key": k, "value": v} for k, v in attributes.items()],
        "status": {"code": 2 if error else 1},
    }  # fmt: skip
    resource = {"attributes": [{"key": "service.name", "value": {"stringValue": "late"}}]}
    request = {"resourceSpans": [{"resource": resource, "scopeSpans": [{"spans": [span]}]}]}
    path.write_text(json.dumps(request))


def _late_step_span(path: Path, data_dir: Path) -> tuple[str, str, dt.datetime]:
    """An OTLP/JSON export of a tool span, 5 ms long, under the root step of the first
    trace landed before 2025-06-10, starting 1 ms after it; return (the trace id, the
    tool span's node_key, its start)."""
    with duckdb.connect(str(data_dir / "builder.duckdb"), read_only=True) as con:
        root = con.execute(
            "select trace_id, span_id, started_at from staging.stg_otel_genai__step_spans "
            "where parent_span_id is null and started_at < '2025-06-10' "
            "order by trace_id limit 1"
        ).fetchone()
    assert root is not None
    trace_id, root_id, root_start = root
    started = root_start + dt.timedelta(milliseconds=1)
    start = int(started.timestamp() * 10**6) * 1000
    span_id = "77" * 8
    span = {
        "traceId": trace_id, "spanId": span_id, "parentSpanId": root_id,
        "name": "execute_tool late_tool", "kind": 1,
        "startTimeUnixNano": str(start), "endTimeUnixNano": str(start + 5_000_000),
        "attributes": [
            {"key": "gen_ai.operation.name", "value": {"stringValue": "execute_tool"}},
            {"key": "gen_ai.tool.name", "value": {"stringValue": "late_tool"}},
        ],
        "status": {"code": 1},
    }  # fmt: skip
    resource = {"attributes": [{"key": "service.name", "value": {"stringValue": "late"}}]}
    request = {"resourceSpans": [{"resource": resource, "scopeSpans": [{"spans": [span]}]}]}
    path.write_text(json.dumps(request))
    return trace_id, f"{trace_id}:{span_id}", started


def test_nightly_equals_full_rebuild_and_is_idempotent(tmp_path):
    data_dir, src = tmp_path / "wh", tmp_path / "src"
    env = demo_env(data_dir, src / "sources.toml", NIGHTLY_ARGS="--no-notebooks")
    # same seed and start day: the first days are the same calls (checked below)
    truth30 = demo(src, 30, CALLS, "2025-06-23")  # 30 days of history
    lone_message = _chat_only_message(src / "text2sql.db", "2025-06-01")
    make(env, "nightly")  # first refresh: everything is new

    # day 31 arrives at the source (regenerated: the first 30 days are unchanged)
    truth31 = demo(src, 31, CALLS, "2025-06-24")
    assert _chat_only_message(src / "text2sql.db", "2025-06-01") == lone_message
    old_days = truth31.filter(pl.col("started_at").dt.date() < pl.date(2025, 6, 24))
    assert_frame_equal(old_days.sort(pl.all()), truth30.sort(pl.all()))
    # two refreshes started together: one runs, the other exits with the lock message
    first, second = _started_nightly(env), _started_nightly(env)
    outs = [p.communicate()[0] for p in (first, second)]
    codes = sorted(p.returncode for p in (first, second))
    assert codes == [0, 2], outs  # make's own exit status for a failed recipe
    refused = outs[[first.returncode, second.returncode].index(2)]
    assert "another nightly refresh" in refused and f"Error {EXIT_LOCKED}" in refused
    assert "== nightly: extract" not in refused  # it did nothing

    nightly = _nightly_marts(data_dir)
    assert nightly["generations"].height == truth31.height
    assert nightly["daily_usage"]["requests"].sum() == truth31.height
    full = _full_rebuild(data_dir)
    _assert_same(nightly, full)

    # nothing new: nothing lands and no mart changes
    make(env, "nightly")
    _assert_same(_nightly_marts(data_dir), full)
    with duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True) as con:
        runs = con.execute(
            "select refresh_id, rows_landed, status from marts.refresh_runs "
            "where scope = 'refresh' order by refresh_id"
        ).fetchall()
        per_source = con.execute(
            "select count(*) from marts.refresh_runs where scope = 'source' "
            "and refresh_id = (select max(refresh_id) from marts.refresh_runs)"
        ).fetchall()
    assert [(r[1] > 0, r[2]) for r in runs] == [(True, "ok"), (True, "ok"), (False, "ok")]
    assert per_source == [(6,)]  # the six demo sources

    # a late call dated day 29 (2025-06-22): that day is corrected
    tokens, _ = _late_ai_process_log_row(src / "ai_process_log.db", "2025-06-22")
    before = full["daily_usage"].filter(
        (pl.col("usage_date") == pl.date(2025, 6, 22))
        & (pl.col("source_system") == "ai_process_log")
    )
    make(env, "nightly")
    after_nightly = _nightly_marts(data_dir)
    after = after_nightly["daily_usage"].filter(
        (pl.col("usage_date") == pl.date(2025, 6, 22))
        & (pl.col("source_system") == "ai_process_log")
    )
    assert after["requests"].sum() == before["requests"].sum() + 1
    assert after["input_tokens"].sum() == before["input_tokens"].sum() + tokens
    _assert_same(after_nightly, _full_rebuild(data_dir))
    # the other days are untouched
    for m, day in (("daily_usage", "usage_date"), ("generations", "started_on")):
        keep = pl.col(day) != pl.date(2025, 6, 22)
        assert_frame_equal(after_nightly[m].filter(keep), full[m].filter(keep))

    # a call re-landed with its time moved weeks back, before the demo's first day
    # (2025-05-25): its session now spans weeks and its user's first call changes; and
    # another call re-landed with negative tokens: set aside
    calls = _newest_text2sql_calls(src / "text2sql.db")
    moved, session_key, user_key = calls[0]
    bad = next(c[0] for c in calls if c[1] != session_key)  # another session's call
    _update_text2sql_call(src / "text2sql.db", moved, "timestamp = ?", "2025-05-02 12:00:00")
    _update_text2sql_call(src / "text2sql.db", bad, "prompt_tokens = -5")
    # and the chat message of 2025-06-01 without a call gets one, today: its own row
    # leaves generated_sql (a day the new rows do not touch); and a call of 2025-06-05
    # gets a new chat message today, which it shows from then on
    lone_row = f"chat_messages:{lone_message}"
    assert after_nightly["generated_sql"]["generation_id"].str.ends_with(lone_row).sum() == 1
    new_call = _late_call_of_lone_query(src / "text2sql.db")
    message, gains = _late_message_of_old_call(src / "text2sql.db", "2025-06-05")
    # and a late call in a session of 2025-06-10, dated 2025-06-21: the session now
    # spans 12 days, of which the refresh rebuilds only the last
    _, late_id = _late_ai_process_log_row(
        src / "ai_process_log.db", "2025-06-10", created_at="2025-06-21 12:00:00"
    )
    # and an OpenTelemetry span exported late, on that day too, with a latency (the
    # text2sql call has none)
    _late_otel_span(src / "otel_genai" / "late-1.json", error=False)
    # and a tool span exported late into an old trace, before its other steps: the
    # trace's steps are numbered again
    steps_trace, late_step, late_start = _late_step_span(
        src / "otel_genai" / "late-step.json", data_dir
    )
    make(env, "nightly")
    nightly = _nightly_marts(data_dir)
    late = nightly["generations"].filter(pl.col("source_key") == str(late_id))
    stretched = nightly["sessions"].filter(pl.col("session_id") == late["session_id"][0])
    before = full["sessions"].filter(pl.col("session_id") == late["session_id"][0])
    assert stretched["generations"][0] == before["generations"][0] + 1
    assert before["ended_at"][0].date() == dt.date(2025, 6, 10)
    assert stretched["ended_at"][0].date() == dt.date(2025, 6, 21)
    session = nightly["sessions"].filter(pl.col("session_id").str.ends_with(f":{session_key}"))
    assert session.height == 1 and session["generations"][0] > 1
    assert session["started_at"][0].date() == dt.date(2025, 5, 2)
    assert session["ended_at"][0].date() > dt.date(2025, 6, 20)
    user = nightly["users"].filter(pl.col("user_id").str.ends_with(f":{user_key}"))
    assert user["first_activity_at"][0].date() == dt.date(2025, 5, 2)
    # the span is the only timed call of 2025-05-02: the day has a latency row
    lone_day = pl.col("usage_date") == pl.date(2025, 5, 2)
    for m in ("latency_percentiles", "model_latency_daily"):
        assert nightly[m].filter(lone_day)["requests_with_latency"].to_list() == [1], m
    trace_steps = nightly[STEPS].filter(pl.col("trace_id") == steps_trace)
    before_steps = after_nightly[STEPS].filter(pl.col("trace_id") == steps_trace)
    assert trace_steps.height == before_steps.height + 1
    order = dict(zip(trace_steps["node_key"], trace_steps["execution_order"], strict=True))
    assert order[late_step] == before_steps.filter(pl.col("started_at") < late_start).height + 1
    assert order[late_step] < trace_steps.height  # a step that started later moved up one
    sql_rows = nightly["generated_sql"]
    assert not sql_rows["generation_id"].str.ends_with(lone_row).any()
    by_key = dict(zip(sql_rows["source_key"], sql_rows["chat_message_key"], strict=True))
    assert by_key[new_call] == lone_message
    assert by_key[gains] == message
    set_aside = nightly["quarantined_rows"].filter(pl.col("source_row_key") == bad)
    assert set_aside["rule"].to_list() == ["negative_tokens"]
    assert bad not in nightly["generations"]["source_key"].to_list()
    _assert_same(nightly, _full_rebuild(data_dir))

    # the set-aside call is corrected at the source: its new version supersedes the
    # row set aside, which leaves quarantined_rows, and the call counts again; and the
    # span is exported again, failed: 2025-05-02 keeps both calls, neither a timed
    # success, and leaves the latency marts
    _update_text2sql_call(src / "text2sql.db", bad, "prompt_tokens = 5")
    _late_otel_span(src / "otel_genai" / "late-2.json", error=True)
    # and another span, the only call of 2025-04-20
    lone_span = "ef" * 8
    _late_otel_span(src / "otel_genai" / "late-3.json", False, dt.date(2025, 4, 20), lone_span)
    make(env, "nightly")
    nightly = _nightly_marts(data_dir)
    assert nightly["daily_usage"].filter(lone_day)["requests"].sum() == 2
    for m in ("latency_percentiles", "model_latency_daily", "latency_sketches"):
        assert nightly[m].filter(lone_day).height == 0, m
    assert bad not in nightly["quarantined_rows"]["source_row_key"].to_list()
    assert bad in nightly["generations"]["source_key"].to_list()
    _assert_same(nightly, _full_rebuild(data_dir))

    # that span is exported again a day later: its old day, left with no call, leaves
    # every daily mart (a delete+insert alone replaces only the days that still have
    # rows), and the call is counted once
    _late_otel_span(src / "otel_genai" / "late-4.json", False, dt.date(2025, 4, 21), lone_span)
    make(env, "nightly")
    nightly = _nightly_marts(data_dir)
    moved_span = nightly["generations"].filter(pl.col("source_key").str.ends_with(lone_span))
    assert moved_span["started_on"].to_list() == [dt.date(2025, 4, 21)]
    assert nightly["generations"]["generation_id"].is_unique().all()
    for m in ("daily_usage", "model_costs", "latency_percentiles", "model_latency_daily",
              "latency_sketches"):  # fmt: skip
        days = nightly[m]["usage_date"].to_list()
        assert dt.date(2025, 4, 20) not in days and dt.date(2025, 4, 21) in days, m
