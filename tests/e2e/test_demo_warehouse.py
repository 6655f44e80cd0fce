"""End to end on a small demo: generate → ingest → dbt build, then every mart against the
generator's ground truth, computed here independently (polars, numpy, genai-prices'
own calc_price and a hand-written model map)."""

from __future__ import annotations

import datetime as dt
import sqlite3
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import polars as pl
import pytest
from genai_prices import Usage, calc_price

from tests.support.cli import REPO
from tests.support.demo_warehouse import CALLS_PER_DAY, DAYS, END, shared_demo_warehouse

# Canonical (provider, model) of every raw model string the demo writes, by hand.
CANONICAL = {
    (None, "gpt-4o-mini"): ("openai", "gpt-4o-mini"),
    (None, "gpt-4o"): ("openai", "gpt-4o"),
    (None, "gpt-3.5-turbo"): ("openai", "gpt-3.5-turbo"),
    (None, "gpt-4o-mini-2024-07-18"): ("openai", "gpt-4o-mini"),
    (None, "GPT-4o-mini"): ("openai", "gpt-4o-mini"),
    (None, "openai/gpt-4o"): ("openai", "gpt-4o"),
    (None, "claude-3-5-sonnet-20241022"): ("anthropic", "claude-3-5-sonnet"),
    # the library matches it to its moving alias claude-3-5-haiku-latest: the dated name stays
    (None, "claude-3-5-haiku-20241022"): ("anthropic", "claude-3-5-haiku-20241022"),
    (None, "o3"): ("openai", "o3"),
    (None, "o4-mini"): ("openai", "o4-mini"),
    # OpenAI fine-tunes have their own list price in genai-prices
    (None, "ft:gpt-4o-mini-2024-07-18:acme-ig::B7xKp2Qd"): ("openai", "ft:gpt-4o-mini"),
    # unknown to the library: the app's provider, the lower-cased string
    (None, "HCX-003"): ("naver", "hcx-003"),
    (None, "acme-llm-7b"): (None, "acme-llm-7b"),
    ("ollama", "llama3.2"): ("ollama", "llama3.2"),
    # Ollama's default tag: the same model
    ("ollama", "llama3.2:latest"): ("ollama", "llama3.2"),
    ("openai", "gpt-4o-mini"): ("openai", "gpt-4o-mini"),
    # otel_genai: the provider the instrumentation wrote, and the response model
    ("openai", "gpt-4o-mini-2024-07-18"): ("openai", "gpt-4o-mini"),
    ("anthropic", "claude-3-5-sonnet-20241022"): ("anthropic", "claude-3-5-sonnet"),
    # planted long-context calls (a tier over 200,000 input tokens)
    ("anthropic", "claude-sonnet-4-5-20250929"): ("anthropic", "claude-sonnet-4-5"),
}
# the otel_genai calls come on top of CALLS_PER_DAY (demo/_otel_genai.py)
OTEL_PER_DAY = CALLS_PER_DAY // 10


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Path:
    """The shared demo warehouse: 2025-06-08 .. 2025-06-12, which spans 2025-06-10, when
    o3's list price changed."""
    return shared_demo_warehouse(tmp_path_factory)


@pytest.fixture(scope="module")
def con(warehouse):
    c = duckdb.connect(str(warehouse / "warehouse.duckdb"), read_only=True)
    c.execute("set TimeZone = 'UTC'")
    yield c
    c.close()


def _list_price(row: dict) -> Decimal | None:
    """What the call should cost, by genai-prices' own calculator (None: unknown model)."""
    provider, model = CANONICAL.get((row["provider_raw"], row["model_raw"]), (None, None))
    if row["model_raw"] is None or model is None:
        return None
    if provider == "ollama":
        return Decimal(0)
    if provider is None or row["input_tokens"] is None:
        return None
    usage = Usage(
        input_tokens=row["input_tokens"],
        cache_read_tokens=row["cache_read_tokens"] or 0,
        cache_write_tokens=row["cache_creation_tokens"] or 0,
        output_tokens=row["output_tokens"],
    )
    if row["cache_write_1h_tokens"]:
        usage.cache_write_1h_tokens = row["cache_write_1h_tokens"]
    try:
        price = calc_price(
            usage,
            row["model_raw"],
            provider_id=provider,
            genai_request_timestamp=row["started_at"],
            price_context={"processing": "batch"} if row["is_batch"] else None,
        )
    except LookupError:
        return None
    return price.total_price


@pytest.fixture(scope="module")
def truth(warehouse) -> pl.DataFrame:
    t = pl.read_parquet(warehouse / "demo" / "truth" / "generations.parquet")
    # The truth's provider is the true one; only trip_planner and the OpenTelemetry spans
    # write one into their rows (OpenLLMetry's "Anthropic" resolves like "anthropic").
    t = t.with_columns(
        provider_raw=pl.when(pl.col("source_system").is_in(["trip_planner", "otel_genai"]))
        .then(pl.col("provider"))
        .otherwise(None)
    )
    canon = [
        CANONICAL.get((p, m), (None, None)) for p, m in t.select("provider_raw", "model_raw").rows()
    ]
    costs = [_list_price(r) for r in t.to_dicts()]
    return t.with_columns(
        c_provider=pl.Series([c[0] for c in canon], dtype=pl.String),
        c_model=pl.Series([c[1] for c in canon], dtype=pl.String),
        expected_cost=pl.Series([float(c) if c is not None else None for c in costs]),
        day=pl.col("started_at").dt.date(),
        user_id=pl.when(pl.col("user_key").is_not_null()).then(
            pl.col("source_name") + ":" + pl.col("user_key")
        ),
        session_id=pl.when(pl.col("session_key").is_not_null()).then(
            pl.col("source_name") + ":" + pl.col("session_key")
        ),
    )


def test_every_call_lands_once(con, truth):
    g = con.sql("select source_name, source_key from marts.generations").pl()
    assert g.height == truth.height
    assert g.unique().height == g.height
    joined = truth.join(g, on=["source_name", "source_key"], how="anti")
    assert joined.height == 0
    assert set(g["source_name"].unique()) == {
        "demo_ai_process_log", "demo_trip_planner", "demo_text2sql",
        "demo_instagram_feed", "demo_ml_gateway", "demo_otel_genai",
    }  # fmt: skip


def test_generation_rows_equal_truth(con, truth):
    g = con.sql(
        """select source_name, source_key, started_at, input_tokens, output_tokens,
                  cache_read_tokens, cache_creation_tokens, cache_write_1h_tokens,
                  reasoning_tokens, latency_ms, status, error_message, is_batch,
                  user_id, session_id, tenant_id,
                  provider, model, cost_usd::double as cost_usd,
                  reported_cost_usd::double as reported_cost_usd
           from marts.generations"""
    ).pl()
    j = truth.with_columns(pl.col("is_batch").fill_null(False)).join(
        g, on=["source_name", "source_key"], suffix="_wh"
    )
    assert j.height == truth.height
    for col in ["input_tokens", "output_tokens", "cache_read_tokens", "cache_creation_tokens",
                "cache_write_1h_tokens", "reasoning_tokens", "latency_ms", "status",
                "error_message", "is_batch", "user_id", "session_id", "tenant_id"]:  # fmt: skip
        bad = j.filter(~pl.col(col).eq_missing(pl.col(f"{col}_wh")))
        assert bad.height == 0, (col, bad.select("source_name", col, f"{col}_wh").head(5))
    same_instant = j["started_at"].dt.epoch("us") == j["started_at_wh"].dt.epoch("us")
    assert same_instant.all()
    assert j["c_provider"].eq_missing(j["provider"]).all()
    assert j["c_model"].eq_missing(j["model"]).all()
    # cost: NULL exactly where the truth has no price; else equal to calc_price
    assert j["expected_cost"].is_null().eq(j["cost_usd"].is_null()).all()
    priced = j.filter(pl.col("expected_cost").is_not_null())
    np.testing.assert_allclose(priced["cost_usd"], priced["expected_cost"], rtol=0, atol=1e-12)
    # instagram_feed's Claude responses plant 1-hour cache writes and batch calls
    assert j["cache_write_1h_tokens"].sum() > 0 and j["is_batch"].sum() > 0
    rep = j.filter(pl.col("reported_cost_usd").is_not_null())
    assert rep.height == j.filter(pl.col("reported_cost_usd_wh").is_not_null()).height
    np.testing.assert_allclose(rep["reported_cost_usd"], rep["reported_cost_usd_wh"], atol=1e-9)


def test_error_class_is_the_generators_cause(con, truth):
    """Every failed demo call is classed as the cause the generator gives the message it
    wrote (demo.ERROR_CAUSES); a call that did not fail has no class."""
    from demo import ERROR_CAUSES

    g = con.sql("select source_name, source_key, error_class from marts.generations").pl()
    j = truth.join(g, on=["source_name", "source_key"])
    assert j.height == truth.height
    failed = j.filter(pl.col("status") == "error")
    unknown = set(failed["error_message"].unique().to_list()) - set(ERROR_CAUSES)
    assert not unknown, f"messages the generator writes without a cause: {unknown}"
    expected = failed["error_message"].replace_strict(ERROR_CAUSES, return_dtype=pl.String)
    bad = failed.filter(expected != pl.col("error_class"))
    assert bad.height == 0, bad.select("source_name", "error_message", "error_class").head(5)
    # the demo's failures cover at least four classes: the test sees more than one rule
    assert expected.n_unique() >= 4
    assert j.filter(pl.col("status") != "error")["error_class"].is_null().all()


def test_ollama_default_tag_is_one_model(con, truth):
    """trip_planner writes llama3.2 and llama3.2:latest: one model in every mart."""
    tp = truth.filter(pl.col("source_system") == "trip_planner")
    n_raw = dict(tp.group_by("model_raw").len().iter_rows())
    assert n_raw["llama3.2"] > 0 and n_raw["llama3.2:latest"] > 0
    n_llama = n_raw["llama3.2"] + n_raw["llama3.2:latest"]
    got = con.execute(
        """select model_raw, model, count(*) from marts.generations
           where model_raw like 'llama3.2%' group by all"""
    ).fetchall()
    assert sorted(got) == [
        ("llama3.2", "llama3.2", n_raw["llama3.2"]),
        ("llama3.2:latest", "llama3.2", n_raw["llama3.2:latest"]),
    ]
    for mart, n in [("daily_usage", "requests"), ("model_costs", "requests")]:
        rows = con.execute(
            f"select model, sum({n}) from marts.{mart} where model like 'llama3.2%' group by all"
        ).fetchall()
        assert rows == [("llama3.2", n_llama)], mart
    timed = tp.filter(
        pl.col("model_raw").is_in(["llama3.2", "llama3.2:latest"])
        & (pl.col("status") == "success")
        & pl.col("latency_ms").is_not_null()
    )
    # one percentile row per day over the calls of both names
    got = con.execute(
        """select usage_date, model, requests_with_latency, p95_ms
           from marts.latency_percentiles where model like 'llama3.2%' order by usage_date"""
    ).fetchall()
    days = timed.group_by("day").agg(pl.col("latency_ms")).sort("day")
    assert [(r[0], r[1]) for r in got] == [(d, "llama3.2") for d in days["day"]]
    for (_, _, n, p95), lat in zip(got, days["latency_ms"], strict=True):
        assert n == len(lat) and p95 == pytest.approx(np.percentile(lat.to_numpy(), 95))


def test_dated_snapshot_keeps_its_name(con, truth):
    """claude-3-5-haiku-20241022 matches genai-prices' claude-3-5-haiku-latest entry: shown
    under the dated name the app wrote, priced at that entry's list price: $0.80 / $4, cache
    read $0.08, 5-minute cache write $1, 1-hour cache write $1.60 (Anthropic's list)."""
    want = truth.filter(pl.col("model_raw") == "claude-3-5-haiku-20241022")
    assert want.height > 5
    got = con.execute(
        """select source_key, provider, model, cost_status, input_tokens, output_tokens,
                  cache_read_tokens, cache_creation_tokens, cache_write_1h_tokens, cost_usd
           from marts.generations where model_raw = 'claude-3-5-haiku-20241022'"""
    ).fetchall()
    assert sorted(r[0] for r in got) == sorted(want["source_key"])
    for _, provider, model, status, i, o, r, w, w1, cost in got:
        assert (provider, model, status) == ("anthropic", "claude-3-5-haiku-20241022", "priced")
        per_1m = (
            (i - r - w) * Decimal("0.80") + r * Decimal("0.08") + (w - w1) * Decimal(1)
            + w1 * Decimal("1.60") + o * Decimal(4)
        )  # fmt: skip
        assert cost == per_1m / Decimal(1_000_000)
    for mart in ["generations", "daily_usage", "model_costs", "latency_percentiles"]:
        names = {m for (m,) in con.execute(f"select distinct model from marts.{mart}").fetchall()}
        assert "claude-3-5-haiku-20241022" in names, mart
        assert not {m for m in names if m and m.endswith("-latest")}, mart


def test_unknown_model_cost_is_null_not_zero(con):
    rows = con.execute(
        """select count(*), count(cost_usd), any_value(cost_status)
           from marts.generations where model_raw = 'acme-llm-7b'"""
    ).fetchone()
    assert rows[0] > 0 and rows[1] == 0 and rows[2] == "unpriced_model"
    daily = con.execute(
        "select count(*), count(cost_usd) from marts.daily_usage where model = 'acme-llm-7b'"
    ).fetchone()
    assert daily[0] > 0 and daily[1] == 0


def test_o3_priced_on_each_side_of_its_price_change(con):
    # Hand-worked from OpenAI's list: o3 was $10/$40 per 1M before 2025-06-10, $2/$8 after.
    rows = con.execute(
        """select started_on, input_tokens, output_tokens, cost_usd
           from marts.generations where model = 'o3' and input_tokens is not null"""
    ).fetchall()
    days = {r[0] for r in rows}
    assert min(days) < dt.date(2025, 6, 10) <= max(days), "o3 calls on both sides of the change"
    for day, i, o, cost in rows:
        rate = (10, 40) if day < dt.date(2025, 6, 10) else (2, 8)
        assert cost == Decimal(i * rate[0] + o * rate[1]) / Decimal(1_000_000)
    prices = con.execute(
        """select valid_from, valid_to, input_per_1m, output_per_1m
           from reference.model_prices
           where provider = 'openai' and model = 'o3' and processing = 'standard'
           order by valid_from"""
    ).fetchall()
    assert [(p[2], p[3]) for p in prices] == [(Decimal(10), Decimal(40)), (Decimal(2), Decimal(8))]
    assert prices[0][1] == prices[1][0] == dt.date(2025, 6, 10)


def test_daily_usage_equals_truth(con, truth):
    got = con.sql(
        """select usage_date as day, source_name, tenant_id, user_id, provider, model,
                  requests, errors, input_tokens, output_tokens, total_tokens,
                  cost_usd::double as cost_usd
           from marts.daily_usage"""
    ).pl()
    keys = ["day", "source_name", "tenant_id", "user_id", "c_provider", "c_model"]
    exp = truth.group_by(keys).agg(
        requests=pl.len(),
        errors=(pl.col("status") == "error").sum(),
        input_tokens=pl.col("input_tokens").sum().cast(pl.Int64),
        output_tokens=pl.col("output_tokens").sum().cast(pl.Int64),
        n_tokens=pl.col("input_tokens").count(),
        cost=pl.col("expected_cost").sum(),
        n_cost=pl.col("expected_cost").count(),
    )
    # polars sums an all-NULL group to 0; SQL gives NULL
    exp = exp.with_columns(
        input_tokens=pl.when(pl.col("n_tokens") > 0).then(pl.col("input_tokens")),
        output_tokens=pl.when(pl.col("n_tokens") > 0).then(pl.col("output_tokens")),
        cost=pl.when(pl.col("n_cost") > 0).then(pl.col("cost")),
    ).rename({"c_provider": "provider", "c_model": "model"})
    j = exp.join(got, on=[*keys[:4], "provider", "model"], how="full", nulls_equal=True)
    assert j.height == exp.height == got.height
    for col in ["requests", "errors", "input_tokens", "output_tokens"]:
        assert j[col].eq_missing(j[f"{col}_right"]).all(), col
    assert j["cost"].is_null().eq(j["cost_usd"].is_null()).all()
    c = j.filter(pl.col("cost").is_not_null())
    np.testing.assert_allclose(c["cost_usd"], c["cost"], rtol=0, atol=1e-9)
    assert got["requests"].sum() == DAYS * (CALLS_PER_DAY + OTEL_PER_DAY)


def test_model_costs_equal_truth(con, truth):
    got = con.sql(
        """select usage_date as day, provider, model, requests, total_tokens,
                  cost_usd::double as cost_usd, share_of_day_cost
           from marts.model_costs"""
    ).pl()
    exp = truth.group_by("day", "c_provider", "c_model").agg(
        requests=pl.len(),
        cost=pl.col("expected_cost").sum(),
        n_cost=pl.col("expected_cost").count(),
    )
    exp = exp.with_columns(cost=pl.when(pl.col("n_cost") > 0).then(pl.col("cost")))
    day_total = exp.group_by("day").agg(day_cost=pl.col("cost").sum())
    exp = exp.join(day_total, on="day").with_columns(share=pl.col("cost") / pl.col("day_cost"))
    j = exp.join(
        got,
        left_on=["day", "c_provider", "c_model"],
        right_on=["day", "provider", "model"],
        how="full",
        nulls_equal=True,
    )
    assert j.height == exp.height == got.height
    assert (j["requests"] == j["requests_right"]).all()
    c = j.filter(pl.col("cost").is_not_null())
    np.testing.assert_allclose(c["cost_usd"], c["cost"], rtol=0, atol=1e-9)
    np.testing.assert_allclose(c["share_of_day_cost"], c["share"], rtol=1e-9)
    shares = got.group_by("day").agg(pl.col("share_of_day_cost").sum())
    np.testing.assert_allclose(shares["share_of_day_cost"], 1.0, rtol=1e-9)


def test_latency_percentiles_equal_numpy(con, truth):
    got = con.sql(
        """select usage_date as day, source_name, model, requests_with_latency,
                  p50_ms, p90_ms, p95_ms, p99_ms, max_ms
           from marts.latency_percentiles"""
    ).pl()
    ok = truth.filter((pl.col("status") == "success") & pl.col("latency_ms").is_not_null())
    groups = ok.group_by("day", "source_name", "c_model").agg(pl.col("latency_ms"))
    assert groups.height == got.height
    idx = {(r["day"], r["source_name"], r["model"]): r for r in got.to_dicts()}
    for row in groups.to_dicts():
        lat = np.array(row["latency_ms"], dtype=float)
        g = idx[(row["day"], row["source_name"], row["c_model"])]
        assert g["requests_with_latency"] == lat.size
        want = np.percentile(lat, [50, 90, 95, 99], method="linear")
        np.testing.assert_allclose(
            [g["p50_ms"], g["p90_ms"], g["p95_ms"], g["p99_ms"]], want, rtol=1e-12
        )
        assert g["max_ms"] == lat.max()


def test_kst_rows_near_midnight_land_on_the_utc_day(con, warehouse, truth):
    """ai_process_log writes naive KST: 00:00-08:59 KST is the previous UTC day."""
    db = sqlite3.connect(warehouse / "demo" / "ai_process_log.db")
    raw = dict(db.execute("select cast(id as text), created_at from ai_process_log").fetchall())
    near = truth.filter(
        (pl.col("source_system") == "ai_process_log")
        & (pl.col("started_at").dt.hour().is_in([14, 15]))
    )
    crossing = [
        r for r in near.to_dicts()
        if dt.date.fromisoformat(raw[r["source_key"]][:10]) != r["started_at"].date()
    ]  # fmt: skip
    assert len(crossing) >= 5, "the demo should have KST rows on the far side of UTC midnight"
    got = dict(
        con.execute(
            "select source_key, started_on from marts.generations "
            "where source_system = 'ai_process_log'"
        ).fetchall()
    )
    for r in crossing:
        assert got[r["source_key"]] == r["started_at"].date()
        # and the naive KST text is 9 hours ahead of the true instant
        naive = dt.datetime.fromisoformat(raw[r["source_key"]])
        assert naive - r["started_at"].replace(tzinfo=None) == dt.timedelta(hours=9)


def test_users_and_sessions_totals(con, truth):
    users = con.sql("select user_id, generations from marts.users").pl()
    exp = truth.filter(pl.col("user_id").is_not_null()).group_by("user_id").agg(n=pl.len())
    j = exp.join(users, on="user_id", how="left")
    assert (j["n"] == j["generations"]).all()
    sessions = con.sql("select session_id, generations from marts.sessions").pl()
    exp = truth.filter(pl.col("session_id").is_not_null()).group_by("session_id").agg(n=pl.len())
    j = exp.join(sessions, on="session_id", how="full")
    assert j.height == exp.height == sessions.height
    assert (j["n"] == j["generations"]).all()


def test_feed_outputs_count_hashtags(con, warehouse):
    db = sqlite3.connect(warehouse / "demo" / "instagram_feed.db")
    raw = dict(db.execute("select instagram_feed_id, hashtags from instagram_feeds").fetchall())
    got = con.execute("select instagram_feed_key, hashtag_count from marts.feed_outputs").fetchall()
    assert len(got) == len(raw)
    for key, count in got:
        assert count == raw[key].count("#")


def test_feed_outputs_language_length_and_repeated_captions(con, warehouse):
    """Against the generator's copy truth: each post's language and length, and which
    posts of a tenant repeat a caption (restyled copies included: the generator knows
    the caption each copy was made from, the warehouse only the text)."""
    truth = pl.read_parquet(warehouse / "demo" / "truth" / "feed_copies.parquet")
    got = con.sql(
        "select instagram_feed_key as source_key, copy_language, copy_length, "
        "caption_fingerprint from marts.feed_outputs"
    ).pl()
    j = truth.join(got, on="source_key")
    assert j.height == truth.height == got.height
    assert set(truth["language"]) == {"ko", "en", "ja"}
    wrong = j.filter(pl.col("language") != pl.col("copy_language"))
    assert wrong.height == 0, wrong.select("copy", "language", "copy_language").head(5)
    assert j["copy_length"].to_list() == [len(c) for c in j["copy"].to_list()]
    # the fingerprint splits a tenant's posts exactly as the generator's caption keys do
    pairs = j.select("tenant_id", "caption_key", "caption_fingerprint").unique()
    assert pairs.select("tenant_id", "caption_key").is_duplicated().sum() == 0
    assert pairs.select("tenant_id", "caption_fingerprint").is_duplicated().sum() == 0
    # restyled copies are there to be found
    texts = j.group_by("tenant_id", "caption_key").agg(
        pl.len().alias("posts"), pl.col("copy").n_unique().alias("distinct_copies")
    )
    want = {(t, k): (p, d) for t, k, p, d in texts.filter(pl.col("posts") > 1).iter_rows()}
    assert any(d > 1 for _, d in want.values())
    key_of = {(t, f): k for t, k, f in pairs.iter_rows()}
    repeats = con.execute(
        "select tenant_id, caption_fingerprint, posts, distinct_copies "
        "from marts.feed_caption_repeats"
    ).fetchall()
    assert {(t, key_of[(t, f)]): (p, d) for t, f, p, d in repeats} == want


# ---------------------------------------------------------------- docs/queries.md

QUERIES_DOC = REPO / "docs" / "queries.md"
# the day the documented questions are asked: the day after the demo's last day
ASKED_ON = dt.date.fromisoformat(END) + dt.timedelta(days=1)


def doc_queries() -> list[tuple[str, str, str]]:
    """(question, SQL, answer table as written) of every question of docs/queries.md."""
    found = []
    for section in QUERIES_DOC.read_text(encoding="utf-8").split("\n## ")[1:]:
        question = section.splitlines()[0]
        sql = section.split("```sql\n", 1)[1].split("```", 1)[0]
        after = section.split("```sql\n", 1)[1].split("```", 1)[1]
        table = "\n".join(line for line in after.splitlines() if line.startswith("|"))
        found.append((question, sql, table or after.strip().split("\n\n")[0]))
    return found


def run_doc_query(con: duckdb.DuckDBPyConnection, sql: str) -> pl.DataFrame:
    """A documented query as asked on ASKED_ON: current_date pinned to that day."""
    pinned = sql.replace("current_date", f"date '{ASKED_ON.isoformat()}'")
    assert pinned != sql or "current_date" not in sql
    return con.sql(pinned).pl()


def _cell(value: object) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value:f}"
    return str(value)


def markdown_answer(frame: pl.DataFrame) -> str:
    """The answer table of docs/queries.md for a query's result."""
    if frame.height == 0:
        return "*(no rows)*"
    lines = ["| " + " | ".join(frame.columns) + " |", "|" + "---|" * frame.width]
    lines += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in frame.rows()]
    return "\n".join(lines)


def _known(costs: pl.Series) -> float | None:
    """A sum of known costs: NULL when none is known, never 0."""
    known = costs.drop_nulls()
    return float(known.sum()) if len(known) else None


def _close(got: object, want: object, places: int) -> bool:
    """got, rounded to ``places`` decimals by the query, is want (NULL only for NULL)."""
    if want is None or got is None:
        return got is None and want is None
    return abs(float(got) - float(want)) <= 0.5 * 10**-places + 1e-9  # type: ignore[arg-type]


def _landed_rows(warehouse: Path, source_name: str, source_table: str) -> int:
    files = list((warehouse / "landing").glob(f"*/{source_name}/{source_table}/*.parquet"))
    assert files, (source_name, source_table)
    return sum(pl.read_parquet(f).height for f in files)


def test_queries_doc_has_ten_questions_with_answers():
    found = doc_queries()
    assert len(found) == 10
    for question, sql, answer in found:
        assert sql.strip().lower().startswith(("select", "with")), question
        assert answer.startswith(("|", "*(no rows)*")), f"{question}: no answer table"


def test_queries_doc_answers_are_what_the_queries_return(con):
    for question, sql, answer in doc_queries():
        got = markdown_answer(run_doc_query(con, sql))
        assert got == answer, f"docs/queries.md, {question!r}: the answer is now\n{got}"


def test_queries_doc_answers_equal_truth(con, truth, warehouse):
    from demo import ERROR_CAUSES

    answers = [run_doc_query(con, sql) for _q, sql, _a in doc_queries()]
    yesterday = ASKED_ON - dt.timedelta(days=1)
    week = truth.filter(pl.col("day").is_between(ASKED_ON - dt.timedelta(days=7), yesterday))
    assert week.height == truth.height  # the demo's five days are all in "last week"

    # 1. cost per model last week
    want: dict[Any, Any] = {
        (k[0], k[1]): (g.height, _known(g["expected_cost"]), g["expected_cost"].null_count())
        for k, g in week.group_by(["c_provider", "c_model"])
    }
    got: Any = answers[0]
    assert {(r["provider"], r["model"]) for r in got.iter_rows(named=True)} == set(want)
    for r in got.iter_rows(named=True):
        calls, cost, unknown = want[(r["provider"], r["model"])]
        assert (r["calls"], r["unknown_cost_calls"]) == (calls, unknown), r
        assert _close(r["known_cost_usd"], cost, 4), (r, cost)

    # 2. p95 per model yesterday, over successful calls with a latency (RAG steps: no model)
    timed = truth.filter(
        (pl.col("day") == yesterday)
        & (pl.col("status") == "success")
        & pl.col("latency_ms").is_not_null()
    )
    want = {
        (k[0], k[1]): (g.height, float(np.percentile(g["latency_ms"].to_numpy(), 95)))
        for k, g in timed.group_by(["c_provider", "c_model"])
    }
    got = answers[1]
    assert {(r["provider"], r["model"]) for r in got.iter_rows(named=True)} == set(want)
    for r in got.iter_rows(named=True):
        calls, p95 = want[(r["provider"], r["model"])]
        assert r["calls_timed"] == calls and _close(r["p95_ms"], p95, 1), (r, p95)

    # 3. top spenders: users by known cost, then calls, then id
    tokens = pl.when(pl.col("input_tokens").is_not_null() | pl.col("output_tokens").is_not_null())
    users = [
        (
            k[0],
            _known(g["expected_cost"]),
            g.height,
            g.select(
                tokens.then(
                    pl.col("input_tokens").fill_null(0) + pl.col("output_tokens").fill_null(0)
                )
            )
            .to_series()
            .sum(),
            g["expected_cost"].null_count(),
        )
        for k, g in week.filter(pl.col("user_id").is_not_null()).group_by(["user_id"])
    ]
    users.sort(key=lambda u: (u[1] is None, -(u[1] or 0), -u[2], u[0]))
    got = answers[2]
    assert got.height == 10
    for r, u in zip(got.iter_rows(named=True), users[:10], strict=True):
        assert (r["user_id"], r["calls"], r["tokens"], r["unknown_cost_calls"]) == (
            u[0], u[2], u[3], u[4],
        ), (r, u)  # fmt: skip
        assert _close(r["known_cost_usd"], u[1], 4), (r, u)

    # 4. failed calls by the cause the generator gives each message
    failed = week.filter(pl.col("status") == "error").with_columns(
        cause=pl.col("error_message").replace_strict(ERROR_CAUSES, return_dtype=pl.String)
    )
    want = {(k[0], k[1]): g.height for k, g in failed.group_by(["cause", "source_name"])}
    got = {(r[0], r[1]): r[2] for r in answers[3].rows()}
    assert got == want
    assert answers[3]["failed_calls"].to_list() == sorted(want.values(), reverse=True)

    # 5. cost per session, per source: sessions placed on the day of their first call
    sessions = (
        truth.filter(pl.col("session_id").is_not_null())
        .group_by("session_id")
        .agg(
            pl.col("source_name").first(),
            pl.col("day").min().alias("first_day"),
            pl.col("expected_cost"),
            pl.col("expected_cost").null_count().alias("unknown"),
        )
        .filter(pl.col("first_day").is_between(ASKED_ON - dt.timedelta(days=7), yesterday))
    )
    got = {r["source_name"]: r for r in answers[4].iter_rows(named=True)}
    assert set(got) == set(sessions["source_name"])
    for k, g in sessions.group_by(["source_name"]):
        r = got[k[0]]
        cost = _known(g["expected_cost"].explode())
        assert (r["sessions"], r["unknown_cost_calls"]) == (g.height, g["unknown"].sum()), r
        assert _close(r["known_cost_usd"], cost, 4)
        assert _close(r["known_cost_per_session_usd"], (cost or 0) / g.height, 6)

    # 6. unpriced models: genai-prices' own calculator knows no price for them
    def has_price(provider: str | None, *names: str) -> bool:
        """genai-prices prices the model under its raw or its canonical name."""
        if provider == "ollama":
            return True
        for name in names:
            try:
                usage = Usage(input_tokens=1000, output_tokens=1000)
                calc_price(usage, name, provider_id=provider)
            except LookupError:
                continue
            return provider is not None
        return False

    named = truth.filter(pl.col("model_raw").is_not_null())
    want = {
        (k[0], k[1]): (g.height, g["input_tokens"].drop_nulls().len())
        for k, g in named.group_by(["model_raw", "source_name", "c_provider", "c_model"])
        if not has_price(k[2], k[0], k[3])
    }
    got = {(r[0], r[1]): (r[2], r[3]) for r in answers[5].rows()}
    assert got == want and len(got) >= 2

    # 7. set aside: landed call rows (the Parquet files) that are not calls of the truth
    tables = truth.group_by(["source_name", "source_table"]).len()
    set_aside = {(s, t): _landed_rows(warehouse, s, t) - n for s, t, n in tables.rows()}
    want = sum(set_aside.values())
    assert answers[6]["rows_set_aside"].sum() == want == 0  # the clean demo

    # 8. a tenant's monthly spend
    tenant = truth.filter(pl.col("tenant_id") == "tenant_cafe_seoul")
    want = {
        k[0]: (g.height, _known(g["expected_cost"]), g["expected_cost"].null_count())
        for k, g in tenant.group_by(pl.col("day").dt.truncate("1mo").alias("month"))
    }
    got = answers[7]
    assert got.height == len(want) >= 1
    for r in got.iter_rows(named=True):
        month = r["month"].date() if isinstance(r["month"], dt.datetime) else r["month"]
        calls, cost, unknown = want[month]
        assert (r["calls"], r["unknown_cost_calls"]) == (calls, unknown)
        assert _close(r["known_cost_usd"], cost, 4)

    # 9. failed calls per source yesterday, with the calls they are a share of
    day = truth.filter(pl.col("day") == yesterday)
    want = {
        k[0]: (g.height, g.filter(pl.col("status") == "error").height)
        for k, g in day.group_by(["source_name"])
    }
    got = answers[8]
    assert {
        r["source_name"]: (r["calls"], r["failed_calls"]) for r in got.iter_rows(named=True)
    } == want
    for r in got.iter_rows(named=True):
        calls, failed = want[r["source_name"]]
        assert _close(r["failed_pct"], 100 * failed / calls, 1), r

    # 10. the apps' own cost against the list price, over calls that have both
    compared = week.filter(
        pl.col("reported_cost_usd").is_not_null() & pl.col("expected_cost").is_not_null()
    )
    got = {r["source_name"]: r for r in answers[9].iter_rows(named=True)}
    assert set(got) == set(compared["source_name"]) and got
    for k, g in compared.group_by(["source_name"]):
        r = got[k[0]]
        app, listed = g["reported_cost_usd"].sum(), g["expected_cost"].sum()
        assert r["compared_calls"] == g.height
        assert _close(r["app_reported_usd"], app, 4) and _close(r["list_price_usd"], listed, 4)
        assert _close(r["difference_usd"], app - listed, 4)


# ---------------------------------------------------------------- analyses (marts/analyses)

# text2sql's own limits per user (seed 002), the demo's sources.toml setting none
QUOTA = {"hour": 1_000, "day": 10_000, "month": 100_000}


def test_quota_breaches_equal_truth(con, truth):
    t2s = truth.filter(pl.col("source_system") == "text2sql").with_columns(
        tokens=pl.col("input_tokens") + pl.col("output_tokens"),
        failed=(pl.col("status") == "error").cast(pl.Int64),
    )
    expected = set()
    for kind, every in (("hour", "1h"), ("day", "1d"), ("month", "1mo")):
        windows = (
            t2s.group_by("user_id", pl.col("started_at").dt.truncate(every).alias("start"))
            .agg(pl.col("tokens").sum(), calls=pl.len(), failed=pl.col("failed").sum())
            .filter(pl.col("tokens") > QUOTA[kind])
        )
        expected |= {(u, kind, s, n, QUOTA[kind], n - QUOTA[kind], c, f)
                     for u, s, n, c, f in windows.iter_rows()}  # fmt: skip
    got = set(
        con.execute(
            "select user_id, window_kind, window_start, tokens, token_limit, overshoot_tokens, "
            "calls, failed_calls from marts.quota_breaches"
        ).fetchall()
    )
    assert got == expected
    # the planted burst breaks the month's limit too; other systems have no quota
    assert {k for _, k, *_ in got} == {"hour", "day", "month"}
    assert con.execute(
        "select count(*) from marts.quota_breaches where source_system <> 'text2sql' "
        "or window_end <> window_start + case window_kind when 'hour' then interval 1 hour "
        "when 'day' then interval 1 day else interval 1 month end"
    ).fetchone() == (0,)


def test_app_token_counter_against_the_log(con, warehouse, truth):
    db = sqlite3.connect(warehouse / "demo" / "text2sql.db")
    counter = {f"demo_text2sql:{u}": n for u, n in db.execute("select id, token_usage from users")}
    logged = dict(
        truth.filter(pl.col("source_system") == "text2sql")
        .group_by("user_id")
        .agg((pl.col("input_tokens") + pl.col("output_tokens")).sum())
        .iter_rows()
    )
    expected = {u: (n, logged.get(u, 0), n == logged.get(u, 0)) for u, n in counter.items()}
    got = {
        u: (c, n, agrees)
        for u, c, n, agrees in con.execute(
            "select user_id, app_counter_tokens, logged_tokens, counter_agrees "
            "from marts.user_token_counters"
        ).fetchall()
    }
    assert got == expected
    # the demo's drifting counters (failed calls left out) and true ones are both there
    assert {a for *_, a in expected.values()} == {True, False}
    breach_flags = dict(
        con.execute(
            "select distinct user_id, app_counter_agrees from marts.quota_breaches"
        ).fetchall()
    )
    assert breach_flags == {u: expected[u][2] for u in breach_flags}


# Every SQL text the demo writes, read by hand:
# (parses, kind, destructive, statements, tables, columns, joins, subqueries)
HAND_SQL = {
    "SELECT region, SUM(amount) FROM sales GROUP BY region": (
        True, "select", False, 1, "sales", "amount,region", 0, 0),
    "SELECT COUNT(*) FROM members WHERE joined_at >= DATE('now', '-7 day')": (
        True, "select", False, 1, "members", "joined_at", 0, 0),
    "SELECT name, stock FROM products WHERE stock < 10": (
        True, "select", False, 1, "products", "name,stock", 0, 0),
    "SELECT strftime('%Y-%m', ordered_at) m, COUNT(*) FROM orders GROUP BY m": (
        True, "select", False, 1, "orders", "ordered_at", 0, 0),
    "SELECT product_id, SUM(qty) q FROM order_items GROUP BY 1 ORDER BY q DESC LIMIT 5": (
        True, "select", False, 1, "order_items", "product_id,qty", 0, 0),
    "SELECT strftime('%m', ordered_at), SUM(revenue) FROM orders GROUP BY 1": (
        True, "select", False, 1, "orders", "ordered_at,revenue", 0, 0),
    "SELECT customer_id FROM orders GROUP BY 1 HAVING COUNT(*) > 3": (
        True, "select", False, 1, "orders", "customer_id", 0, 0),
    "SELECT channel, AVG(amount) FROM orders GROUP BY channel": (
        True, "select", False, 1, "orders", "amount,channel", 0, 0),
    "SELECT name FROM employees WHERE dept = 'sales' AND hired_at > '2023-12-31'": (
        True, "select", False, 1, "employees", "dept,hired_at,name", 0, 0),
    "SELECT COUNT(*) FROM tickets WHERE status = 'open'": (
        True, "select", False, 1, "tickets", "status", 0, 0),
    "SELECT c.name, SUM(o.amount) AS total FROM orders o JOIN customers c "
    "ON o.customer_id = c.id LEFT JOIN regions r ON c.region_id = r.id "
    "GROUP BY c.name ORDER BY total DESC": (
        True, "select", False, 1, "customers,orders,regions",
        "amount,customer_id,id,name,region_id", 2, 0),
    "SELECT name FROM products WHERE id IN (SELECT product_id FROM order_items "
    "WHERE qty > (SELECT AVG(qty) FROM order_items))": (
        True, "select", False, 1, "order_items,products", "id,name,product_id,qty", 0, 2),
    "WITH recent AS (SELECT customer_id FROM orders WHERE ordered_at > '2025-01-01') "
    "SELECT COUNT(DISTINCT customer_id) FROM recent": (
        True, "select", False, 1, "orders", "customer_id,ordered_at", 0, 1),
    "DELETE FROM orders WHERE status = 'cancelled'": (
        True, "delete", True, 1, "orders", "status", 0, 0),
    "UPDATE products SET stock = 0 WHERE discontinued = 1": (
        True, "update", True, 1, "products", "discontinued,stock", 0, 0),
    "INSERT INTO audit (note) SELECT name FROM employees": (
        True, "insert", True, 1, "audit,employees", "name", 0, 1),
    "DROP TABLE members": (True, "ddl", True, 1, "members", "", 0, 0),
    "SELECT name FROM employees; DROP TABLE employees": (
        True, "other", True, 2, "employees", "name", 0, 0),
    "SELEC name, stock FROM products WHERE stock < 10": (
        False, None, None, None, None, None, None, None),
    "SELECT region, SUM(amount FROM sales GROUP BY region": (
        False, None, None, None, None, None, None, None),
}  # fmt: skip


def test_generated_sql_equals_hand_worked_facts(con, warehouse):
    db = sqlite3.connect(warehouse / "demo" / "text2sql.db")
    calls = {
        f"demo_text2sql:query_analytics:{k}": (sql, bool(ok))
        for k, sql, ok in db.execute("select id, sql_query, success from query_analytics")
    }
    unknown = {sql for sql, _ in calls.values()} - set(HAND_SQL)
    assert not unknown, f"read the demo's new SQL by hand into HAND_SQL: {unknown}"
    rows = con.execute(
        "select generation_id, sql_query, app_marked_success, parses, statement_kind, "
        "is_destructive, statements, tables_referenced, columns_referenced, joins, subqueries, "
        "parse_error is not null, chat_sql_matches is not false from marts.generated_sql"
    ).fetchall()
    assert {r[0] for r in rows} == set(calls)  # one row per call; no chat-only SQL
    for gid, sql, ok, *found, has_error, chat_ok in rows:
        assert (sql, ok) == calls[gid]
        assert tuple(found) == HAND_SQL[sql], sql
        assert has_error == (not HAND_SQL[sql][0]) and chat_ok
    # the demo plants something of each kind to find
    kinds = {(r[4], r[5]) for r in rows}
    assert {("select", False), ("delete", True), ("ddl", True), (None, None)} <= kinds


def _call_steps(warehouse: Path) -> dict[tuple[str, str], str]:
    """(source, call key) -> the workflow step the call was made in, from the demo's own
    SQLite rows (trip_planner's node, ai_process_log's node_name) and the OTel
    generator's truth (the call's parent step span; a call under none is absent)."""
    tp = sqlite3.connect(warehouse / "demo" / "trip_planner.db")
    apl = sqlite3.connect(warehouse / "demo" / "ai_process_log.db")
    step_of = {
        ("demo_trip_planner", str(g)): n
        for g, n in tp.execute(
            "select g.id, n.node_name from generations g join nodes n on g.node_id = n.id"
        )
    }
    step_of |= {("demo_ai_process_log", str(i)): n
                for i, n in apl.execute("select id, node_name from ai_process_log")}  # fmt: skip
    otel_steps = pl.read_parquet(warehouse / "demo" / "truth" / "otel_steps.parquet")
    otel_calls = pl.read_parquet(warehouse / "demo" / "truth" / "otel_calls.parquet")
    name_of = dict(otel_steps.select("node_key", "node_name").rows())
    step_of |= {("demo_otel_genai", k): name_of[s]
                for k, s in otel_calls.select("source_key", "step_key").rows() if s}  # fmt: skip
    return step_of


def test_sessions_duration_and_steps(con, warehouse, truth):
    """A session's wall-clock duration (first call's start to last call's end: start plus
    latency) from the truth's times, and its steps with calls: the distinct steps of
    _call_steps, one for the systems whose calls are all one operation."""
    step_of = _call_steps(warehouse)
    with_steps = {"trip_planner", "ai_process_log", "otel_genai"}
    want: dict[str, tuple[float, float, set[str]]] = {}
    for r in truth.filter(pl.col("session_id").is_not_null()).rows(named=True):
        start = r["started_at"].timestamp() * 1000
        end = start + (r["latency_ms"] or 0)
        first, last, steps = want.get(r["session_id"], (start, end, set()))
        step = step_of.get((r["source_name"], r["source_key"]))
        if r["source_system"] not in with_steps:
            step = r["source_system"]  # every call of the system is one operation
        if step is not None:
            steps = steps | {step}
        want[r["session_id"]] = (min(first, start), max(last, end), steps)
    got = {
        s: (d, n)
        for s, d, n in con.execute(
            "select session_id, duration_ms, steps_with_calls from marts.sessions"
        ).fetchall()
    }
    assert set(got) == set(want)
    for session, (first, last, steps) in want.items():
        assert got[session][0] == pytest.approx(last - first, abs=1e-3), session
        assert got[session][1] == len(steps), session
    # sessions of several steps, and of more than an instant, are there to find
    assert max(n for _, n in got.values()) > 1 and max(d for d, _ in got.values()) > 0


def test_step_performance_equals_the_demo_databases(con, warehouse, truth):
    """Per step from the demo's own SQLite rows (nodes, ai_process_log) and the OTel
    generator's step truth (agent and tool spans; a call counts in its parent step) with
    numpy's percentiles, tokens and list-price cost from the truth (genai-prices'
    calc_price)."""
    tp = sqlite3.connect(warehouse / "demo" / "trip_planner.db")
    apl = sqlite3.connect(warehouse / "demo" / "ai_process_log.db")
    runs: dict[tuple[str, str], list] = {}  # (source, step) -> [(duration, status)]
    for name, dur, status in tp.execute("select node_name, duration_ms, status from nodes"):
        runs.setdefault(("demo_trip_planner", name), []).append((dur, status))
    for name, dur in apl.execute("select node_name, latency_ms from ai_process_log"):
        runs.setdefault(("demo_ai_process_log", name), []).append((dur, None))
    step_of = _call_steps(warehouse)
    otel_steps = pl.read_parquet(warehouse / "demo" / "truth" / "otel_steps.parquet")
    for name, dur, status in otel_steps.select("node_name", "duration_ms", "node_status").rows():
        runs.setdefault(("demo_otel_genai", name), []).append((dur, status))
    calls: dict[tuple[str, str], list] = {}
    for r in truth.filter(
        pl.col("source_system").is_in(["trip_planner", "ai_process_log", "otel_genai"])
    ).rows(named=True):
        key = (r["source_name"], r["source_key"])
        if r["source_system"] == "otel_genai" and key not in step_of:
            continue  # an OTel call under no step span belongs to no step
        calls.setdefault((r["source_name"], step_of[key]), []).append(r)
    got = {
        (r["source_name"], r["step_name"]): r
        for r in con.sql("select * from marts.step_performance").pl().rows(named=True)
    }
    assert set(got) == set(runs)
    total_time: dict[str, float] = {}
    total_cost: dict[str, float] = {}
    for (source, _), rows in runs.items():
        total_time[source] = total_time.get(source, 0) + sum(d for d, _ in rows if d is not None)
    for (source, _), rows in calls.items():
        known = [r["expected_cost"] for r in rows if r["expected_cost"] is not None]
        total_cost[source] = total_cost.get(source, 0) + sum(known)
    for step, rows in runs.items():
        g = got[step]
        timed = np.array([d for d, _ in rows if d is not None], dtype=float)
        assert g["executions"] == len(rows) and g["executions_timed"] == len(timed)
        if step[0] in ("demo_trip_planner", "demo_otel_genai"):
            assert g["failures"] == sum(s == "failed" for _, s in rows)
            assert g["skipped"] == sum(s == "skipped" for _, s in rows)
        else:
            assert g["failures"] is None and g["skipped"] is None
        assert g["p50_duration_ms"] == pytest.approx(np.percentile(timed, 50))
        assert g["p95_duration_ms"] == pytest.approx(np.percentile(timed, 95))
        assert g["share_of_workflow_time"] == pytest.approx(timed.sum() / total_time[step[0]])
        mine = calls.get(step, [])
        assert g["llm_calls"] == len(mine)
        tokens = [r["input_tokens"] + r["output_tokens"] for r in mine
                  if r["input_tokens"] is not None]  # fmt: skip
        assert g["total_tokens"] == (sum(tokens) if tokens else None)
        known = [r["expected_cost"] for r in mine if r["expected_cost"] is not None]
        assert g["unpriced_calls"] == len(mine) - len(known)
        if known:
            assert float(g["known_cost_usd"]) == pytest.approx(sum(known), rel=1e-9)
            share = sum(known) / total_cost[step[0]]
            assert g["share_of_workflow_cost"] == pytest.approx(share, rel=1e-9)
        else:
            assert g["known_cost_usd"] is None
    # the failing nodes of the demo's failing workflows are there to find, OTel's too
    assert sum(g["failures"] or 0 for g in got.values()) > 0
    assert sum(g["failures"] or 0 for k, g in got.items() if k[0] == "demo_otel_genai") > 0
    assert sum(g["llm_calls"] for k, g in got.items() if k[0] == "demo_otel_genai") > 0


def test_sketch_percentiles_within_their_relative_error_of_numpy(con, truth):
    from warehouse.sketches import window_percentiles

    timed = truth.filter((pl.col("status") == "success") & pl.col("latency_ms").is_not_null())
    alpha = con.execute("select max(relative_error) from marts.latency_sketches").fetchone()[0]
    assert alpha == 0.005
    days = sorted(timed["day"].unique())
    windows: list[tuple[Any, Any, list[str], list[str]]] = [
        (days[0], days[-1], [], []),
        (days[1], days[2], [], []),
    ]
    windows += [(days[0], days[-1], [s], []) for s in timed["source_name"].unique()]
    windows += [(days[0], days[-1], [], [m]) for m in ("gpt-4o-mini", "llama3.2")]
    windows += [(days[2], days[-1], ["demo_ml_gateway", "demo_trip_planner"], ["gpt-4o"])]
    for start, end, sources, models in windows:
        chosen = timed.filter(pl.col("day").is_between(start, end))
        if sources:
            chosen = chosen.filter(pl.col("source_name").is_in(sources))
        if models:
            chosen = chosen.filter(pl.col("c_model").is_in(models))
        assert chosen.height > 0, (start, end, sources, models)
        n, got = window_percentiles(con, start, end, sources, models)
        assert n == chosen.height
        for q, value in got.items():
            exact = np.percentile(chosen["latency_ms"].to_numpy(), q * 100)
            assert abs(value - exact) <= alpha * exact + 1e-9, (start, end, sources, models, q)


# ------------------------------------------------------------------ otel_genai


def test_otel_genai_time_to_first_token_cache_creation_and_speed(con, truth):
    """The spans' own time to first token (standard attribute, OpenLIT's, OpenLLMetry's
    first chunk event) and cache-creation tokens reach generations; output tokens per
    second is output over the time after the first token (else over the whole call)."""
    g = con.sql(
        """select source_key, time_to_first_token_ms, cache_creation_tokens, latency_ms,
                  output_tokens, output_tokens_per_second
           from marts.generations where source_system = 'otel_genai'"""
    ).pl()
    t = truth.filter(pl.col("source_system") == "otel_genai")
    assert g.height == t.height == DAYS * OTEL_PER_DAY
    j = t.join(g, on="source_key", suffix="_wh")
    assert j.height == t.height
    assert j["cache_creation_tokens"].eq_missing(j["cache_creation_tokens_wh"]).all()
    assert j["cache_creation_tokens"].drop_nulls().len() > 0
    have = j.filter(pl.col("time_to_first_token_ms").is_not_null())
    assert have.height > 10
    assert j["time_to_first_token_ms"].is_null().eq(j["time_to_first_token_ms_wh"].is_null()).all()
    np.testing.assert_allclose(
        have["time_to_first_token_ms_wh"], have["time_to_first_token_ms"], atol=1e-6
    )
    # the other five systems record no time to first token; cache writes only
    # instagram_feed's Claude responses do
    others = con.execute(
        "select count(time_to_first_token_ms), count(cache_creation_tokens) "
        "from marts.generations where source_system <> 'otel_genai'"
    ).fetchall()
    claude = truth.filter(pl.col("source_system") != "otel_genai")["cache_creation_tokens"]
    assert others == [(0, claude.len() - claude.null_count())]
    speed = j.filter(pl.col("output_tokens").is_not_null())
    gen_ms = speed["latency_ms"] - speed["time_to_first_token_ms"].fill_null(0)
    np.testing.assert_allclose(
        speed["output_tokens_per_second"], speed["output_tokens"] * 1000 / gen_ms, rtol=1e-9
    )
    assert j.filter(pl.col("output_tokens").is_null())["output_tokens_per_second"].null_count() == (
        j.filter(pl.col("output_tokens").is_null()).height
    )


def test_long_context_and_cache_write_calls_cost_what_calc_price_says(con, truth):
    """The planted long-context calls (over, at and under claude-sonnet-4-5's 200,000
    input-token threshold, many reading and writing the cache) and every call with
    cache-write tokens cost, per call, what genai-prices' calc_price charges; the tier
    column names the threshold exactly for the calls over it."""
    # a cursor of its own: an earlier test may leave a result unfetched on `con`
    g = (
        con.cursor()
        .sql(
            """select source_key, cost_usd::double as cost_usd, cost_status,
                  price_tier_input_tokens_over
           from marts.generations where source_system = 'otel_genai'"""
        )
        .pl()
    )
    t = truth.filter(pl.col("source_system") == "otel_genai")
    j = t.join(g, on="source_key")
    assert j.height == t.height
    long_ctx = j.filter(pl.col("model_raw") == "claude-sonnet-4-5-20250929")
    over = long_ctx.filter(pl.col("input_tokens") > 200_000)
    assert over.height >= 3 and (long_ctx["input_tokens"] == 200_000).any()
    assert (long_ctx["input_tokens"] < 200_000).any()
    assert over.filter(pl.col("cache_creation_tokens") > 0).height > 0
    writes = j.filter(pl.col("cache_creation_tokens") > 0)
    assert writes.filter(pl.col("model_raw") != "claude-sonnet-4-5-20250929").height > 0
    for part in (long_ctx, writes):
        assert (part["cost_status"] == "priced").all()
        np.testing.assert_allclose(part["cost_usd"], part["expected_cost"], rtol=0, atol=1e-12)
    want_tier = pl.when(pl.col("input_tokens") > 200_000).then(200_000)
    assert (
        long_ctx.select(want_tier.eq_missing(pl.col("price_tier_input_tokens_over")))
        .to_series()
        .all()
    )
    assert (
        j.filter(pl.col("model_raw") != "claude-sonnet-4-5-20250929")[
            "price_tier_input_tokens_over"
        ]
        .is_null()
        .all()
    )


def test_otel_genai_dialects_recorded_and_conflicts_flagged(con, warehouse):
    calls = pl.read_parquet(warehouse / "demo" / "truth" / "otel_calls.parquet")
    assert set(calls["dialect"]) == {"standard", "openllmetry", "openinference", "openlit"}
    g = con.sql(
        "select source_key, field_dialects, has_dialect_conflict from marts.generations "
        "where source_system = 'otel_genai'"
    ).pl()
    j = calls.join(g, on="source_key", how="left")
    assert j.height == calls.height and j["field_dialects"].null_count() == 0
    assert j["has_conflict"].eq(j["has_dialect_conflict"]).all()
    assert j["has_conflict"].sum() > 0
    # each family's own names are recognised as its own
    for family in ("openllmetry", "openinference"):
        fam = j.filter(pl.col("dialect") == family)
        assert fam["field_dialects"].str.contains(family).all(), family
    # the other systems have one shape each: no dialects, no conflicts
    others = con.execute(
        "select count(*), count(field_dialects), count(*) filter (has_dialect_conflict) "
        "from marts.generations where source_system <> 'otel_genai'"
    ).fetchall()
    assert others[0][0] > 0 and others[0][1:] == (0, 0)


def test_otel_genai_steps_follow_their_parent_chain(warehouse):
    want = pl.read_parquet(warehouse / "demo" / "truth" / "otel_steps.parquet")
    assert want.height > 10 and set(want["node_type"]) == {"invoke_agent", "execute_tool"}
    with duckdb.connect(str(warehouse / "builder.duckdb"), read_only=True) as b:
        got = b.sql(
            "select node_key, workflow_key, node_type, node_name, node_status, "
            "execution_order, duration_ms from intermediate.int_otel_genai__steps"
        ).pl()
    assert got.height == want.height
    j = want.join(got, on="node_key", suffix="_wh")
    assert j.height == want.height
    for col in ["workflow_key", "node_type", "node_name", "node_status", "execution_order"]:
        bad = j.filter(~pl.col(col).eq_missing(pl.col(f"{col}_wh")))
        assert bad.height == 0, (col, bad.head(3))
    np.testing.assert_allclose(j["duration_ms_wh"], j["duration_ms"], atol=1e-9)
