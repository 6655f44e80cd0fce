"""The same landing zone built by DuckDB and by Spark (WAREHOUSE_ENGINE=spark, dbt-spark's
session method): every row of every mart equal, matched on the mart's grain.

The demo has the bad-input catalogue planted, so the rows set aside and the repaired ones
are compared too. Counts and tokens must be equal; costs (DECIMAL on both engines) equal
or within 1e-9 relative; doubles (latencies, percentiles) within 1e-9 relative. The Spark
marts are read as Parquet from spark-warehouse/marts.db/<mart>/ (no Spark needed), the
DuckDB ones from builder.duckdb. Spark needs Java 17+: without it the test fails, as the
suite must not pass with the engine unchecked.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

REPO = Path(__file__).resolve().parents[2]
# small: the test is about equal results, not scale (two days span a UTC day boundary)
DAYS, CALLS_PER_DAY, END = 2, 12, "2025-06-12"
REL_TOL = 1e-9

# Columns that differ by engine on purpose, with the reason:
ENGINE_SPECIFIC = {
    *(
        # a hash of the price seeds' rows as text: each engine's text of a row differs; it
        # only tells one engine's incremental build that prices changed
        (mart, "price_fingerprint")
        for mart in ("generations", "daily_usage", "model_costs")
    ),
    # the build's own clock: the two builds ran at different times
    ("source_freshness", "checked_at"),
    ("source_freshness", "hours_since_load"),
}


def _run(args: list[str], env: dict[str, str]) -> None:
    proc = subprocess.run(args, cwd=REPO, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, f"{args} failed:\n{proc.stdout[-6000:]}\n{proc.stderr[-3000:]}"


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    data = tmp_path_factory.mktemp("parity")
    env = dict(os.environ, WAREHOUSE_DATA_DIR=str(data))
    env["WAREHOUSE_SOURCES"] = str(data / "demo" / "sources.toml")
    env.pop("WAREHOUSE_ENGINE", None)
    py = sys.executable
    _run([py, "-m", "ingest", "demo", "--days", str(DAYS), "--calls-per-day",
          str(CALLS_PER_DAY), "--end-date", END, "--bad-input"], env)  # fmt: skip
    _run([py, "-m", "ingest", "extract"], env)
    _run([py, "-m", "ingest", "build"], env)  # DuckDB
    _run([py, "-m", "ingest", "build"], env | {"WAREHOUSE_ENGINE": "spark"})
    return data


def _marts(data: Path) -> dict[str, list[str]]:
    """Every mart stored as a table (schema marts) and its grain: the columns of its
    unique or unique_combination test (dbt's manifest of the last build). A view
    (refresh_runs, over the run-log files) has no Parquet of its own on Spark."""
    manifest = json.loads((data / "dbt" / "target" / "manifest.json").read_text())
    marts = {
        n["name"]: []
        for n in manifest["nodes"].values()
        if n["resource_type"] == "model"
        and n["schema"] == "marts"
        and n["config"]["materialized"] != "view"
    }
    for n in manifest["nodes"].values():
        if n["resource_type"] != "test" or not n.get("attached_node"):
            continue
        mart = n["attached_node"].rsplit(".", 1)[1]
        meta = n.get("test_metadata") or {}
        if mart not in marts or marts[mart]:
            continue
        kwargs = meta.get("kwargs", {})
        if meta.get("name") == "unique":
            marts[mart] = [kwargs["column_name"]]
        elif meta.get("name") == "unique_combination":
            marts[mart] = list(kwargs.get("combination_of_columns", []))
    return marts


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[dict]:
    cur = con.execute(sql)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def _same(a: object, b: object) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, float) or isinstance(b, float):
        return math.isclose(float(a), float(b), rel_tol=REL_TOL, abs_tol=1e-12)
    if isinstance(a, Decimal) or isinstance(b, Decimal):
        a, b = Decimal(str(a)), Decimal(str(b))
        return a == b or abs(a - b) <= abs(a) * Decimal(REL_TOL)
    if isinstance(a, dt.datetime) and isinstance(b, dt.datetime):
        return (
            a.replace(tzinfo=None) == b.replace(tzinfo=None)
            if (a.tzinfo is None or b.tzinfo is None)
            else a == b
        )
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return a == b


def _differences(data: Path, skip: tuple[str, ...] = ()) -> tuple[list[str], int]:
    """Every difference between the DuckDB and the Spark marts (but `skip`); rows
    compared."""
    con = duckdb.connect(str(data / "builder.duckdb"), read_only=True)
    con.execute("set TimeZone = 'UTC'")
    marts = _marts(data)
    assert len(marts) >= 10, marts
    spark_dir = data / "spark-warehouse" / "marts.db"
    problems: list[str] = []
    compared = 0
    for mart, grain in sorted(marts.items()):
        if mart in skip:
            continue
        ours = _rows(con, f"select * from marts.{mart}")
        folder = spark_dir / mart
        assert folder.is_dir(), f"{mart}: no Spark table at {folder}"
        theirs = _rows(
            con,
            f"select * from read_parquet('{folder}/**/*.parquet', hive_partitioning = true)",
        )
        if not grain:  # no unique test (refresh_runs, a log): matched on every column
            grain = sorted((ours or theirs or [{}])[0])
        key = lambda r, g=grain: tuple(str(r[c]) for c in g)  # noqa: E731
        a, b = {key(r): r for r in ours}, {key(r): r for r in theirs}
        assert len(a) == len(ours) and len(b) == len(theirs), f"{mart}: grain {grain} repeats"
        if a.keys() != b.keys():
            problems.append(
                f"{mart}: only DuckDB {sorted(a.keys() - b.keys())[:3]}, "
                f"only Spark {sorted(b.keys() - a.keys())[:3]}"
            )
            continue
        columns = set(ours[0]) if ours else set()
        if ours and columns != set(theirs[0]):
            problems.append(f"{mart}: columns differ {columns ^ set(theirs[0])}")
            continue
        for k, row in a.items():
            for col in sorted(columns):
                if (mart, col) in ENGINE_SPECIFIC:
                    continue
                if not _same(row[col], b[k][col]):
                    problems.append(f"{mart} {k} {col}: DuckDB {row[col]!r}, Spark {b[k][col]!r}")
        compared += len(a)
    con.close()
    return problems, compared


def test_every_mart_row_equal_on_duckdb_and_spark(built):
    problems, compared = _differences(built)
    assert problems == [], "\n".join(problems[:40])
    assert compared > 50  # the demo's calls reached the marts


def test_spark_nightly_after_a_new_day_equals_the_duckdb_build(built):
    """One more day lands; Spark's nightly refresh (incremental: the rebuilt days'
    partitions overwritten) gives the marts that DuckDB builds from the same landing."""
    env = dict(os.environ, WAREHOUSE_DATA_DIR=str(built))
    env["WAREHOUSE_SOURCES"] = str(built / "demo" / "sources.toml")
    env.pop("WAREHOUSE_ENGINE", None)
    py = sys.executable
    new_day = dt.date.fromisoformat(END) + dt.timedelta(days=1)
    # same seed and first day: the earlier days are the same calls, one day more
    _run([py, "-m", "ingest", "demo", "--days", str(DAYS + 1), "--calls-per-day",
          str(CALLS_PER_DAY), "--end-date", new_day.isoformat(), "--bad-input"], env)  # fmt: skip
    spark = env | {"WAREHOUSE_ENGINE": "spark"}
    _run([py, "-m", "ingest", "nightly", "--no-notebooks"], spark)
    assert (
        built / "spark-warehouse" / "marts.db" / "generations" / f"started_on={new_day}"
    ).is_dir()
    _run([py, "-m", "ingest", "build"], env)  # DuckDB, from the same landing zone
    # refresh_runs reads the run log, which the nightly writes after its build: Spark's
    # was built before this refresh's file existed, DuckDB's after
    problems, compared = _differences(built, skip=("refresh_runs",))
    assert problems == [], "\n".join(problems[:40])
    assert compared > 50
