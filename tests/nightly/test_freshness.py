"""dbt source freshness over the landing zone: thresholds per source, on _loaded_at."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb

from ingest import dbt_runner

REPO = Path(__file__).resolve().parents[2]


def _age(data_dir: Path, system: str, table: str, hours: float) -> None:
    """Rewrite the landed files of one table as if landed `hours` ago."""
    when = dt.datetime.now(dt.UTC) - dt.timedelta(hours=hours)
    files = list((data_dir / "landing" / system).glob(f"demo_*/{table}/*.parquet"))
    assert files
    con = duckdb.connect()
    for f in files:
        tmp = f.with_name(f".{f.name}.tmp")
        con.execute(
            f"copy (select * replace (?::timestamptz as _loaded_at) "
            f"from read_parquet('{f}')) to '{tmp}' (format parquet)",
            [when],
        )
        os.replace(tmp, f)


def test_freshness_warns_and_errors_per_source(tmp_path):
    subprocess.run(
        [sys.executable, "-m", "ingest", "demo", "--days", "1", "--calls-per-day", "40",
         "--out", str(tmp_path / "src")],
        cwd=REPO, check=True, capture_output=True,
    )  # fmt: skip
    data_dir = tmp_path / "wh"
    env = dict(
        os.environ,
        WAREHOUSE_DATA_DIR=str(data_dir),
        WAREHOUSE_SOURCES=str(tmp_path / "src" / "sources.toml"),
    )
    subprocess.run(
        [sys.executable, "-m", "ingest", "extract"], cwd=REPO, env=env, check=True,
        capture_output=True,
    )  # fmt: skip
    # daily systems: warn after 36 h, error after 60 h; text2sql (workdays): 84 h / 108 h
    _age(data_dir, "ml_gateway", "chat_logs", 40)  # warn
    _age(data_dir, "trip_planner", "generations", 70)  # error
    _age(data_dir, "text2sql", "query_analytics", 70)  # a weekend: still a pass
    assert not dbt_runner.run(data_dir, "source", "freshness").ok  # an error fails the command
    results = json.loads((data_dir / "dbt" / "target" / "sources.json").read_text())
    status = {r["unique_id"].split(".", 2)[2]: r["status"] for r in results["results"]}
    assert status == {
        "ai_process_log.ai_process_log": "pass",
        "trip_planner.generations": "error",
        "text2sql.query_analytics": "pass",
        "instagram_feed.instagram_feeds": "pass",
        "ml_gateway.chat_logs": "warn",
    }
