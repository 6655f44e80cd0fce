"""chDB (bench/chdb_marts.py, from the landed Parquet) and our dbt/DuckDB build give the
same daily_usage, model_costs and latency_percentiles, row for row (issue #8), on a small
demo with the planted bad-input catalogue (every set-aside rule, a duplicate key in an
exported file, blank and unknown models, broken JSON, mojibake), token counts only in
JSON, and a second, newer load of everything."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import polars as pl
import pytest

from bench.agreement import MARTS, compare_marts, duckdb_marts, export_models_resolved
from bench.chdb_marts import compute_marts
from tests.support.cli import cli, demo_env
from tests.support.marts import dbt_build

# kept, with tokens from the JSON fallbacks (token_usage, else gpt_response_raw.usage)
JSON_TOKENS = [
    "prompt_tokens = null, completion_tokens = null",
    "prompt_tokens = null, completion_tokens = null, token_usage = '{not json'",
]


def _update(db: Path, table: str, assignment: str, offset: int) -> None:
    with sqlite3.connect(db) as con:
        con.execute(
            f"update {table} set {assignment} "
            f"where rowid = (select rowid from {table} order by rowid limit 1 offset {offset})"
        )


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory, builds_a_warehouse) -> tuple[Path, int]:
    data = tmp_path_factory.mktemp("chdb")
    src = data / "src"
    env = demo_env(data, src / "sources.toml")
    cli(env, "demo", "--days", "4", "--calls-per-day", "600", "--end-date", "2025-06-24",
        "--bad-input", "--out", str(src), timeout=None)  # fmt: skip
    # the calls that must reach the marts: the clean ones and the planted rows kept
    truth_rows = pl.read_parquet(src / "truth" / "generations.parquet").height
    bad = pl.read_parquet(src / "truth" / "bad_input.parquet")
    assert bad.filter(pl.col("outcome") == "set_aside").height >= 10
    kept = bad.filter(pl.col("outcome") == "kept").height
    cli(env, "extract", timeout=None)
    # a second load of everything, after the app changed two rows: the newest load wins
    for i, assignment in enumerate(JSON_TOKENS):
        _update(src / "instagram_feed.db", "instagram_feeds", assignment, offset=40 + i)
    cli(env, "extract", "--full-refresh", timeout=None)
    dbt_build(data, "--select", "+daily_usage", "+model_costs", "+latency_percentiles")
    return data, truth_rows + kept


def test_chdb_and_duckdb_marts_agree_on_every_row(warehouse):
    data, clean_calls = warehouse
    ours = duckdb_marts(data / "builder.duckdb")  # built by the selection above, unpublished
    resolved = export_models_resolved(data / "builder.duckdb", data / "models_resolved.parquet")
    theirs, _seconds = compute_marts(data, resolved)
    assert compare_marts(ours, theirs) == []
    # both left out exactly the rows set aside: the calls counted are the generator's
    assert ours["daily_usage"]["requests"].sum() == clean_calls
    assert ours["model_costs"]["requests"].sum() == clean_calls
    # the JSON fallback rows are there, with tokens
    assert (
        ours["daily_usage"]
        .filter(pl.col("source_system") == "instagram_feed")["input_tokens"]
        .null_count()
        == 0
    )


def test_compare_marts_reports_every_kind_of_difference(warehouse):
    data, _ = warehouse
    ours = duckdb_marts(data / "builder.duckdb")  # built by the selection above, unpublished
    theirs = {m: df.clone() for m, df in ours.items()}
    assert compare_marts(ours, theirs) == []
    theirs["daily_usage"] = theirs["daily_usage"].slice(1)  # a row missing
    first = pl.int_range(pl.len()) == 0
    theirs["model_costs"] = theirs["model_costs"].with_columns(
        requests=pl.when(first).then(pl.col("requests") + 1).otherwise(pl.col("requests"))
    )
    theirs["latency_percentiles"] = theirs["latency_percentiles"].with_columns(
        p95_ms=pl.when(first).then(pl.col("p95_ms") * (1 + 1e-6)).otherwise(pl.col("p95_ms"))
    )
    problems = compare_marts(ours, theirs)
    assert any(p.startswith("daily_usage: 1 rows only in ours") for p in problems), problems
    assert any(p.startswith("model_costs.requests: 1 of") for p in problems), problems
    assert any(p.startswith("latency_percentiles.p95_ms: 1 of") for p in problems), problems
    assert set(MARTS) == {"daily_usage", "model_costs", "latency_percentiles"}
