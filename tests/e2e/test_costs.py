"""Costs end to end (issue #4) on a small demo: generate → ingest → dbt build.

Every expected cost is worked by hand here from the published per-1M list prices and the
generator's own truth (tokens, cached and reasoning tokens), never read back from a run.
The warehouse is the shared demo one (tests/support/demo_warehouse.py); the last test
edits the override file of a copy of the dbt project and rebuilds a copy of it.
"""

from __future__ import annotations

import datetime as dt
import shutil
from decimal import Decimal
from pathlib import Path

import duckdb
import polars as pl
import pytest

from tests.support.demo_warehouse import BUILD_LOG, copy_of, shared_demo_warehouse
from tests.support.marts import dbt_build
from warehouse.paths import DBT_DIR

M = Decimal(1_000_000)
IG_FT = "ft:gpt-4o-mini-2024-07-18:acme-ig::B7xKp2Qd"


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, str]:
    """The shared demo warehouse (its window spans 2025-06-10, when OpenAI cut o3's
    price) and what its build printed."""
    data = shared_demo_warehouse(tmp_path_factory)
    return data, (data / BUILD_LOG).read_text()


@pytest.fixture(scope="module")
def warehouse(built) -> Path:
    return built[0]


def _con(warehouse: Path) -> duckdb.DuckDBPyConnection:
    c = duckdb.connect(str(warehouse / "warehouse.duckdb"), read_only=True)
    c.execute("set TimeZone = 'UTC'")
    return c


@pytest.fixture(scope="module")
def truth(warehouse) -> pl.DataFrame:
    t = pl.read_parquet(warehouse / "demo" / "truth" / "generations.parquet")
    return t.with_columns(day=pl.col("started_at").dt.date())


def _costs(warehouse: Path, where: str) -> dict[str, tuple]:
    with _con(warehouse) as c:
        rows = c.execute(
            f"""select source_key, cost_usd, cost_status, price_source, cache_read_tokens,
                       reasoning_tokens
                from marts.generations where {where}"""
        ).fetchall()
    return {r[0]: r[1:] for r in rows}


def _truth_rows(truth: pl.DataFrame, system: str, model_raw: str) -> list[dict]:
    return truth.filter(
        (pl.col("source_system") == system) & (pl.col("model_raw") == model_raw)
    ).to_dicts()


def _hand_cost(
    r: dict,
    per_1m_in: str,
    per_1m_out: str,
    per_1m_cache: str | None,
    per_1m_write: str | None = None,
    per_1m_write_1h: str | None = None,
) -> Decimal:
    """Published per-1M prices; cached input (part of input_tokens) at the cache price,
    cache writes (part of it too) at the 5-minute and 1-hour write prices."""
    cached = r["cache_read_tokens"] or 0
    written, written_1h = r["cache_creation_tokens"] or 0, r["cache_write_1h_tokens"] or 0
    assert not written or per_1m_write is not None, "writes need a write price here"
    cache_price = Decimal(per_1m_cache if per_1m_cache is not None else per_1m_in)
    return (
        (r["input_tokens"] - cached - written) * Decimal(per_1m_in)
        + cached * cache_price
        + (written - written_1h) * Decimal(per_1m_write or 0)
        + written_1h * Decimal(per_1m_write_1h or 0)
        + r["output_tokens"] * Decimal(per_1m_out)
    ) / M


@pytest.mark.parametrize(
    ("system", "model_raw", "prices"),
    [
        # OpenAI: gpt-4o-mini $0.15 in / $0.60 out per 1M, cached input $0.075
        ("instagram_feed", "gpt-4o-mini", ("0.15", "0.60", "0.075")),
        ("text2sql", "gpt-4o-mini", ("0.15", "0.60", "0.075")),
        # Anthropic: claude-3-5-sonnet-20241022 $3 / $15 per 1M, cache read $0.30, cache
        # write $3.75 (5 minutes) and $6 (1 hour)
        ("instagram_feed", "claude-3-5-sonnet-20241022", ("3", "15", "0.30", "3.75", "6")),
        # claude-3-5-haiku-20241022 $0.80 / $4, read $0.08, write $1 / $1.60 (shown under
        # its dated name, priced as the library's claude-3-5-haiku-latest entry it matches)
        ("instagram_feed", "claude-3-5-haiku-20241022", ("0.80", "4", "0.08", "1", "1.60")),
        # OpenAI: gpt-4o $2.50 / $10, cached $1.25
        ("instagram_feed", "gpt-4o", ("2.50", "10", "1.25")),
        # OpenAI's fine-tuned gpt-4o-mini: $0.30 / $1.20, no cache price (input price)
        ("instagram_feed", IG_FT, ("0.30", "1.20", None)),
    ],
)
def test_cost_is_the_published_list_price(warehouse, truth, system, model_raw, prices):
    want = _truth_rows(truth, system, model_raw)
    got = _costs(warehouse, f"source_system = '{system}' and model_raw = '{model_raw}'")
    assert len(want) == len(got) > 5
    for r in want:
        cost, status, source, cached, _ = got[r["source_key"]]
        assert status == "priced" and source == "genai-prices 0.2.3"
        assert cached == r["cache_read_tokens"]
        assert cost == _hand_cost(r, *prices), r
    if system == "instagram_feed":
        assert sum(1 for r in want if r["cache_read_tokens"]) > 0, "some calls hit the cache"
    if model_raw.startswith("claude-"):
        assert sum(1 for r in want if r["cache_write_1h_tokens"]) > 0, "some 1-hour writes"


def test_reasoning_tokens_are_carried_and_billed_as_output(warehouse, truth):
    # o4-mini: $1.10 / $4.40 per 1M, cached $0.275; reasoning is inside completion_tokens
    want = _truth_rows(truth, "instagram_feed", "o4-mini")
    got = _costs(warehouse, "model_raw = 'o4-mini'")
    assert len(want) == len(got) > 5
    assert all(r["reasoning_tokens"] > 0 for r in want)
    for r in want:
        cost, status, _, cached, reasoning = got[r["source_key"]]
        assert (cached, reasoning) == (r["cache_read_tokens"], r["reasoning_tokens"])
        assert status == "priced" and cost == _hand_cost(r, "1.10", "4.40", "0.275")


def test_o3_priced_on_each_side_of_its_price_cut(warehouse, truth):
    # o3: $10 / $40 per 1M before 2025-06-10, $2 / $8 from then (UTC dates)
    want = _truth_rows(truth, "ai_process_log", "o3") + _truth_rows(truth, "trip_planner", "o3")
    want = [r for r in want if r["input_tokens"] is not None]
    got = _costs(warehouse, "model = 'o3' and input_tokens is not null")
    assert len(want) == len(got) > 0
    cut = dt.date(2025, 6, 10)
    assert {r["day"] < cut for r in want} == {True, False}, "calls on both sides"
    for r in want:
        rate = ("10", "40") if r["day"] < cut else ("2", "8")
        assert got[r["source_key"]][0] == _hand_cost(r, *rate, None)


def test_unknown_models_are_null_listed_and_warned(built, truth):
    warehouse, log = built
    with _con(warehouse) as c:
        dq = {
            r[0]: r[1:]
            for r in c.execute(
                """select model_raw, source_name, provider, model, requests,
                          requests_with_tokens, input_tokens, output_tokens,
                          first_seen_at, last_seen_at, reported_cost_usd
                   from marts.unpriced_models"""
            ).fetchall()
        }
        gen = c.execute(
            """select model_raw, count(*), count(cost_usd), min(cost_status),
                      max(cost_status)
               from marts.generations where model_raw in ('HCX-003', 'acme-llm-7b')
               group by model_raw"""
        ).fetchall()
        daily = c.execute(
            """select model, count(*), count(cost_usd), sum(requests),
                      sum(unpriced_requests)
               from marts.daily_usage where model in ('hcx-003', 'acme-llm-7b')
               group by model"""
        ).fetchall()
    assert set(dq) == {"HCX-003", "acme-llm-7b"}
    hcx = truth.filter(pl.col("model_raw") == "HCX-003")
    acme = truth.filter(pl.col("model_raw") == "acme-llm-7b")
    assert dq["HCX-003"][:7] == (
        "demo_instagram_feed", "naver", "hcx-003", hcx.height, hcx.height,
        hcx["input_tokens"].sum(), hcx["output_tokens"].sum(),
    )  # fmt: skip
    assert dq["HCX-003"][7] == hcx["started_at"].min()
    assert dq["HCX-003"][8] == hcx["started_at"].max()
    # the app's own HCX-003 price, $3.50 / $3.50 per 1M
    app_cost = (hcx["input_tokens"].sum() + hcx["output_tokens"].sum()) * 3.5 / 1e6
    assert float(dq["HCX-003"][9]) == pytest.approx(app_cost, rel=1e-12)
    assert dq["acme-llm-7b"][:7] == (
        "demo_ml_gateway", None, "acme-llm-7b", acme.height, 0, None, None,
    )  # fmt: skip
    assert {g[0]: g[1:] for g in gen} == {
        "HCX-003": (hcx.height, 0, "unpriced_model", "unpriced_model"),
        "acme-llm-7b": (acme.height, 0, "unpriced_model", "unpriced_model"),
    }
    # daily_usage: NULL, not 0, and every call counted as unpriced
    assert {d[0]: d[2:] for d in daily} == {
        "hcx-003": (0, hcx.height, hcx.height),
        "acme-llm-7b": (0, acme.height, acme.height),
    }
    # the build warned, naming them
    assert "WARN 2 warn_unpriced_models" in log
    assert "unpriced model: HCX-003 in demo_instagram_feed" in log
    assert "unpriced model: acme-llm-7b in demo_ml_gateway" in log


def _reconciliation(warehouse: Path, source: str, model: str) -> dict[dt.date, tuple]:
    with _con(warehouse) as c:
        rows = c.execute(
            """select usage_date, requests, compared_requests, unpriced_requests,
                      reported_cost_usd, list_cost_usd, difference_usd, difference_pct,
                      unpriced_reported_cost_usd
               from marts.cost_reconciliation where source_name = ? and model = ?""",
            [source, model],
        ).fetchall()
    return {r[0]: r[1:] for r in rows}


def test_reconciliation_shows_text2sql_stale_gpt35_price(warehouse, truth):
    """The app prices gpt-3.5-turbo at $0.0015 / $0.002 per 1K (seed 002); the list
    price on the call's date is $0.50 / $1.50 per 1M."""
    rec = _reconciliation(warehouse, "demo_text2sql", "gpt-3.5-turbo")
    calls = truth.filter(
        (pl.col("source_system") == "text2sql") & (pl.col("model_raw") == "gpt-3.5-turbo")
    )
    assert sorted(rec) == sorted(calls["day"].unique())
    for (day,), g in calls.group_by("day"):
        rows = g.to_dicts()
        reported = sum(
            r["input_tokens"] / 1000 * 0.0015 + r["output_tokens"] / 1000 * 0.002 for r in rows
        )
        listed = sum(r["input_tokens"] * Decimal("0.5") + r["output_tokens"] * Decimal("1.5")
                     for r in rows) / M  # fmt: skip
        n, compared, unpriced, rep, lst, diff, pct, unpriced_rep = rec[day]
        assert (n, compared, unpriced, unpriced_rep) == (len(rows), len(rows), 0, None)
        assert lst == listed
        assert float(rep) == pytest.approx(reported, rel=1e-9)
        assert float(diff) == pytest.approx(reported - float(listed), rel=1e-9)
        assert pct == pytest.approx((reported - float(listed)) / float(listed) * 100, rel=1e-9)
        assert pct > 30  # stale prices: the app over-states this model's cost


def test_reconciliation_shows_the_ignored_cache_discount(warehouse, truth):
    """instagram_feed's own cost ignores cached input: for gpt-4o-mini the app over-states
    each cached token by $0.15 - $0.075 per 1M, and nothing else."""
    rec = _reconciliation(warehouse, "demo_instagram_feed", "gpt-4o-mini")
    calls = _truth_rows(truth, "instagram_feed", "gpt-4o-mini")
    assert sum(r[1] for r in rec.values()) == len(calls)
    for day, (_, _, _, _, _, diff, _, _) in rec.items():
        cached = sum(r["cache_read_tokens"] for r in calls if r["day"] == day)
        assert float(diff) == pytest.approx(float(cached * Decimal("0.075") / M), abs=1e-12)
    # the unknown model: the app's cost stands alone, nothing compared
    hcx = _reconciliation(warehouse, "demo_instagram_feed", "hcx-003")
    assert all(v[1] == 0 and v[3] is None and v[6] is None for v in hcx.values())
    assert sum(v[2] for v in hcx.values()) == len(_truth_rows(truth, "instagram_feed", "HCX-003"))


def _rebuild_with_overrides(warehouse: Path, tmp_path: Path, overrides: str) -> None:
    project = tmp_path / "dbt_project"
    if not project.exists():
        shutil.copytree(DBT_DIR, project, ignore=shutil.ignore_patterns("target", "logs"))
    (project / "seeds" / "model_price_overrides.csv").write_text(overrides, encoding="utf-8")
    # the seed and every model downstream of it; the first build ran the tests
    dbt_build(
        warehouse, "--select", "model_price_overrides+", project=project, timeout=900,
        DBT_TARGET_PATH=str(tmp_path / "target"), DBT_LOG_PATH=str(tmp_path / "logs"),
    )  # fmt: skip


HEADER = "provider,model,valid_from,valid_to,input_per_1m,output_per_1m,cache_read_per_1m,"
HEADER += "is_local,note\nollama,*,2000-01-01,,0,0,,true,local\n"


def test_changing_an_override_reprices_past_calls(warehouse, truth, tmp_path):
    warehouse = copy_of(warehouse, tmp_path / "warehouse")  # the shared one stays as built
    hcx = _truth_rows(truth, "instagram_feed", "HCX-003")
    where = "model_raw = 'HCX-003'"
    mini = _truth_rows(truth, "text2sql", "gpt-4o-mini")
    where_mini = "source_system = 'text2sql' and model_raw = 'gpt-4o-mini'"
    # 1. price the unknown model at $2 / $8 per 1M; and an override beats a list price:
    #    gpt-4o-mini at a negotiated $0.10 / $0.40 (cached $0.05)
    _rebuild_with_overrides(
        warehouse,
        tmp_path,
        HEADER
        + "naver,hcx-003,2025-01-01,,2,8,,false,contract\n"
        + "openai,gpt-4o-mini,2000-01-01,,0.10,0.40,0.05,false,deal\n",
    )
    got = _costs(warehouse, where_mini)
    for r in mini:
        assert got[r["source_key"]][:3] == (
            _hand_cost(r, "0.10", "0.40", "0.05"),
            "priced",
            "override",
        )
    got = _costs(warehouse, where)
    for r in hcx:
        assert got[r["source_key"]][:3] == (_hand_cost(r, "2", "8", None), "priced", "override")
    with _con(warehouse) as c:
        unpriced = c.execute("select list(model_raw) from marts.unpriced_models").fetchall()
        assert unpriced == [(["acme-llm-7b"],)]
    # 2. the contract changes retroactively from 2025-06-10 to $4 / $16: the same past
    #    calls are repriced on the next build, each by its own date
    _rebuild_with_overrides(
        warehouse,
        tmp_path,
        HEADER
        + "naver,hcx-003,2025-01-01,2025-06-10,2,8,,false,contract\n"
        + "naver,hcx-003,2025-06-10,,4,16,,false,contract v2\n",
    )
    got = _costs(warehouse, where)
    cut = dt.date(2025, 6, 10)
    assert {r["day"] < cut for r in hcx} == {True, False}
    for r in hcx:
        rate = ("2", "8") if r["day"] < cut else ("4", "16")
        assert got[r["source_key"]][0] == _hand_cost(r, *rate, None)
    # and without its override, gpt-4o-mini is back at the list price
    got = _costs(warehouse, where_mini)
    for r in mini:
        assert got[r["source_key"]][:2] == (_hand_cost(r, "0.15", "0.60", "0.075"), "priced")
