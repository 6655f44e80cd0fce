"""End to end on a small demo: generate → ingest → dbt build, then every mart against the
generator's ground truth, computed here independently (polars, numpy, genai-prices'
own calc_price and a hand-written model map)."""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import duckdb
import numpy as np
import polars as pl
import pytest
from genai_prices import Usage, calc_price

REPO = Path(__file__).resolve().parents[2]
# Window 2025-06-08 .. 2025-06-12 spans 2025-06-10, when o3's list price changed.
DAYS, CALLS_PER_DAY, END = 5, 600, "2025-06-12"

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
}
# the otel_genai calls come on top of CALLS_PER_DAY (demo/_otel_genai.py)
OTEL_PER_DAY = CALLS_PER_DAY // 10


def _run(args: list[str], env: dict[str, str]) -> None:
    proc = subprocess.run(args, cwd=REPO, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, f"{args} failed:\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}"


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Path:
    data = tmp_path_factory.mktemp("warehouse")
    env = dict(os.environ, WAREHOUSE_DATA_DIR=str(data))
    env["WAREHOUSE_SOURCES"] = str(data / "demo" / "sources.toml")
    py = sys.executable
    _run([py, "-m", "warehouse", "demo", "--days", str(DAYS), "--calls-per-day",
          str(CALLS_PER_DAY), "--end-date", END], env)  # fmt: skip
    _run([py, "-m", "warehouse", "extract"], env)
    _run([py, "-m", "warehouse", "build"], env)
    return data


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
        output_tokens=row["output_tokens"],
    )
    try:
        price = calc_price(
            usage, row["model_raw"], provider_id=provider, genai_request_timestamp=row["started_at"]
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
                  cache_read_tokens, reasoning_tokens, latency_ms, status, error_message,
                  user_id, session_id, tenant_id,
                  provider, model, cost_usd::double as cost_usd,
                  reported_cost_usd::double as reported_cost_usd
           from marts.generations"""
    ).pl()
    j = truth.join(g, on=["source_name", "source_key"], suffix="_wh")
    assert j.height == truth.height
    for col in ["input_tokens", "output_tokens", "cache_read_tokens", "reasoning_tokens",
                "latency_ms", "status", "error_message", "user_id", "session_id",
                "tenant_id"]:  # fmt: skip
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
    rep = j.filter(pl.col("reported_cost_usd").is_not_null())
    assert rep.height == j.filter(pl.col("reported_cost_usd_wh").is_not_null()).height
    np.testing.assert_allclose(rep["reported_cost_usd"], rep["reported_cost_usd_wh"], atol=1e-9)


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
    under the dated name the app wrote, priced at that entry's list price ($0.80 / $4)."""
    want = truth.filter(pl.col("model_raw") == "claude-3-5-haiku-20241022")
    assert want.height > 5
    got = con.execute(
        """select source_key, provider, model, cost_status, input_tokens, output_tokens,
                  cost_usd
           from marts.generations where model_raw = 'claude-3-5-haiku-20241022'"""
    ).fetchall()
    assert sorted(r[0] for r in got) == sorted(want["source_key"])
    for _, provider, model, status, i, o, cost in got:
        assert (provider, model, status) == ("anthropic", "claude-3-5-haiku-20241022", "priced")
        assert cost == (i * Decimal("0.80") + o * Decimal(4)) / Decimal(1_000_000)
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
           from reference.model_prices where provider = 'openai' and model = 'o3'
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
    # the other five systems record none
    others = con.execute(
        "select count(time_to_first_token_ms), count(cache_creation_tokens) "
        "from marts.generations where source_system <> 'otel_genai'"
    ).fetchone()
    assert others == (0, 0)
    speed = j.filter(pl.col("output_tokens").is_not_null())
    gen_ms = speed["latency_ms"] - speed["time_to_first_token_ms"].fill_null(0)
    np.testing.assert_allclose(
        speed["output_tokens_per_second"], speed["output_tokens"] * 1000 / gen_ms, rtol=1e-9
    )
    assert j.filter(pl.col("output_tokens").is_null())["output_tokens_per_second"].null_count() == (
        j.filter(pl.col("output_tokens").is_null()).height
    )


def test_otel_genai_dialects_recorded_and_conflicts_flagged(warehouse):
    calls = pl.read_parquet(warehouse / "demo" / "truth" / "otel_calls.parquet")
    assert set(calls["dialect"]) == {"standard", "openllmetry", "openinference", "openlit"}
    with duckdb.connect(str(warehouse / "builder.duckdb"), read_only=True) as b:
        spans = b.sql(
            "select span_record_key as source_key, dialect, has_dialect_conflict "
            "from staging.stg_otel_genai__llm_spans"
        ).pl()
    j = calls.join(spans, on="source_key", how="left")
    assert j.height == calls.height and j["dialect"].null_count() == 0
    assert j["has_conflict"].eq(j["has_dialect_conflict"]).all()
    assert j["has_conflict"].sum() > 0
    # each family's own names are recognised as its own
    for family in ("openllmetry", "openinference"):
        fam = j.filter(pl.col("dialect") == family)
        assert fam["dialect_right"].str.contains(family).all(), family


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
