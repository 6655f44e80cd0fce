"""DuckDB and Spark builds of the same landing zone: their marts compared row by row, and
the time of each build side by side (docs/spark.md).

    python -m bench.spark [--calls 1e6] [--days 30] [--no-nightly]

Steps, each a child process in one fresh warehouse under
``$WAREHOUSE_DATA_DIR/bench/spark-<calls>/``: the demo's sources (``days`` days,
``calls / days`` calls a day, seed 42), extract, ``warehouse build`` on DuckDB, the same on
Spark (``WAREHOUSE_ENGINE=spark``), every mart compared (``compare_marts``); then, unless
``--no-nightly``, one more day at the sources, ``warehouse nightly`` on Spark (the
incremental marts overwrite their rebuilt days' partitions) and a DuckDB build of the same
landing, compared again. Any difference: exit status 1. Figures: wall seconds and peak
RSS of each step, Spark's build over DuckDB's.

``compare_marts`` is also the parity test's comparison (tests/e2e/test_spark_parity.py):
every mart stored as a table, matched on its grain (the columns of its unique or
unique_combination test); counts and tokens equal; decimals (costs) equal or within 1e-9
relative; doubles (latencies, percentiles, rates) within 1e-9 relative.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb

from bench._proc import Step, python_step
from bench.nightly import demo
from warehouse.paths import data_dir, dbt_target_dir

REL_TOL = 1e-9
END = dt.date(2025, 6, 23)

# Columns that differ by engine on purpose, with the reason:
ENGINE_SPECIFIC = {
    *(
        # a hash of the price seeds' rows as text: each engine's text of a row differs; it
        # only tells one engine's incremental build that prices changed
        (mart, "price_fingerprint")
        for mart in (
            "generations",
            "daily_usage",
            "model_costs",
            "sessions",
            "users",
            "feed_outputs",
        )
    ),
    # the build's own clock: the two builds ran at different times
    ("source_freshness", "checked_at"),
    ("source_freshness", "hours_since_load"),
}


def mart_grains(data: Path) -> dict[str, list[str]]:
    """Every mart stored as a table (schema marts) and its grain: the columns of its
    unique or unique_combination test (dbt's manifest of the last build). A view
    (refresh_runs, over the run-log files) has no table of its own on Spark."""
    manifest = json.loads((dbt_target_dir(data) / "manifest.json").read_text())
    marts: dict[str, list[str]] = {
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


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[dict[str, Any]]:
    cur = con.execute(sql)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def same(a: object, b: object) -> bool:
    """Equal as the comparison means it (NULL = NULL; numbers within REL_TOL)."""
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, float) or isinstance(b, float):
        return math.isclose(float(a), float(b), rel_tol=REL_TOL, abs_tol=1e-12)  # type: ignore[arg-type]
    if isinstance(a, Decimal) or isinstance(b, Decimal):
        x, y = Decimal(str(a)), Decimal(str(b))
        return x == y or abs(x - y) <= abs(x) * Decimal(REL_TOL)
    if isinstance(a, dt.datetime) and isinstance(b, dt.datetime):
        if a.tzinfo is None or b.tzinfo is None:
            return a.replace(tzinfo=None) == b.replace(tzinfo=None)
        return a == b
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return a == b


def compare_marts(data: Path, skip: tuple[str, ...] = ()) -> tuple[list[str], dict[str, int]]:
    """Every difference between the DuckDB marts (builder.duckdb) and the Spark ones
    (Parquet under spark-warehouse/marts.db/<mart>/, read without Spark), but `skip`;
    and the rows compared per mart."""
    con = duckdb.connect(str(data / "builder.duckdb"), read_only=True)
    con.execute("set TimeZone = 'UTC'")
    spark_dir = data / "spark-warehouse" / "marts.db"
    problems: list[str] = []
    compared: dict[str, int] = {}
    for mart, grain in sorted(mart_grains(data).items()):
        if mart in skip:
            continue
        ours = _rows(con, f"select * from marts.{mart}")
        folder = spark_dir / mart
        if not folder.is_dir():
            problems.append(f"{mart}: no Spark table at {folder}")
            continue
        theirs = _rows(
            con,
            f"select * from read_parquet('{folder}/**/*.parquet', hive_partitioning = true)",
        )
        if not grain:  # no unique test: matched on every column
            grain = sorted((ours or theirs or [{}])[0])
        a = {tuple(str(r[c]) for c in grain): r for r in ours}
        b = {tuple(str(r[c]) for c in grain): r for r in theirs}
        if len(a) != len(ours) or len(b) != len(theirs):
            problems.append(f"{mart}: grain {grain} repeats")
            continue
        if a.keys() != b.keys():
            problems.append(
                f"{mart}: only DuckDB {sorted(a.keys() - b.keys())[:3]}, "
                f"only Spark {sorted(b.keys() - a.keys())[:3]}"
            )
            continue
        columns = set(ours[0]) if ours else set()
        if ours and columns != set(theirs[0]):
            problems.append(f"{mart}: columns differ {sorted(columns ^ set(theirs[0]))}")
            continue
        for k, row in a.items():
            for col in sorted(columns):
                if (mart, col) not in ENGINE_SPECIFIC and not same(row[col], b[k][col]):
                    problems.append(f"{mart} {k} {col}: DuckDB {row[col]!r}, Spark {b[k][col]!r}")
        compared[mart] = len(a)
    con.close()
    return problems, compared


def _report(title: str, problems: list[str], compared: dict[str, int]) -> bool:
    print(f"{title}: {sum(compared.values())} rows of {len(compared)} marts compared, "
          f"{len(problems)} differences")  # fmt: skip
    for p in problems[:40]:
        print("  " + p)
    return not problems


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--calls", type=float, default=1e6, help="calls in the history (1e6)")
    ap.add_argument("--days", type=int, default=30)
    ap.add_argument("--no-nightly", action="store_true", help="skip the nightly on Spark")
    args = ap.parse_args()
    calls = int(args.calls)
    per_day = max(1, calls // args.days)
    root = data_dir() / "bench" / f"spark-{calls}"
    src, wh, logs = root / "sources", root / "wh", root / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    if wh.exists():
        import shutil

        shutil.rmtree(wh)
    env = dict(os.environ, WAREHOUSE_DATA_DIR=str(wh), WAREHOUSE_SOURCES=str(src / "sources.toml"))
    env.pop("WAREHOUSE_ENGINE", None)
    spark = env | {"WAREHOUSE_ENGINE": "spark"}
    print(f"bench.spark: {per_day * args.days:,} calls ({args.days} days), load average "
          f"{os.getloadavg()[0]:.1f} at start, {os.cpu_count()} cores")  # fmt: skip
    demo(src, args.days, per_day, END)
    steps: dict[str, Step] = {}
    steps["extract"] = python_step(
        "extract", ["-m", "warehouse", "extract"], env, logs / "extract.log"
    )
    steps["duckdb build"] = python_step(
        "duckdb build", ["-m", "warehouse", "build"], env, logs / "duckdb.log"
    )
    steps["spark build"] = python_step(
        "spark build", ["-m", "warehouse", "build"], spark, logs / "spark.log"
    )
    ok = _report("full builds", *compare_marts(wh))
    if not args.no_nightly:
        demo(src, args.days + 1, per_day, END + dt.timedelta(days=1))  # one more day
        steps["spark nightly"] = python_step(
            "spark nightly",
            ["-m", "warehouse", "nightly", "--no-notebooks"],
            spark,
            logs / "nightly.log",
        )
        steps["duckdb build, +1 day"] = python_step(
            "duckdb build, +1 day", ["-m", "warehouse", "build"], env, logs / "duckdb2.log"
        )
        ok = _report("Spark nightly against DuckDB", *compare_marts(wh)) and ok
    # peak RSS: the largest waited-for process (dbt's); Spark's JVM is not counted
    print(f"{'step':<24}{'seconds':>10}{'peak RSS GiB':>14}")
    for name, step in steps.items():
        print(f"{name:<24}{step.seconds:>10.1f}{step.max_rss_bytes / 1024**3:>14.2f}")
    ratio = steps["spark build"].seconds / steps["duckdb build"].seconds
    print(f"spark build / duckdb build: {ratio:.1f}x  (logs: {logs})")
    if not ok:
        sys.exit(1)


if __name__ == "__main__":
    main()
