"""Freshness per configured source (marts.source_freshness, checked by every dbt build):
a lone source is not compared with systems nobody configured; a source past its
system's thresholds, or never landed, is named, and past error fails the build."""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from ingest import registry
from tests.support.cli import REPO, cli, demo_env, demo_sources

pytestmark = pytest.mark.e2e


def _entries(sources_toml: Path) -> dict[str, str]:
    """The demo's [[source]] tables as text, by system."""
    blocks = sources_toml.read_text().split("[[source]]")[1:]
    systems = [re.search(r'system = "(\w+)"', b) for b in blocks]
    assert all(systems), sources_toml
    return {m[1]: "[[source]]" + b for m, b in zip(systems, blocks, strict=True) if m}


def _freshness(data_dir: Path) -> dict[str, str]:
    with duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True) as con:
        rows = con.sql("select source_name, freshness_status from marts.source_freshness")
        return dict(rows.fetchall())


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


def test_a_lone_source_passes_the_nightly(tmp_path):
    """One trip_planner source: the other four systems have no source, so nothing of
    theirs can be stale (`dbt source freshness` said ERROR STALE for each of them)."""
    demo_sources(tmp_path / "src", 1, 40, "2025-06-24")
    sources = tmp_path / "sources.toml"
    sources.write_text(_entries(tmp_path / "src" / "sources.toml")["trip_planner"])
    out = cli(demo_env(tmp_path / "wh", sources), "nightly", "--no-notebooks", timeout=None)
    assert "STALE" not in out.upper()
    assert _freshness(tmp_path / "wh") == {"demo_trip_planner": "ok"}
    table = pq.read_table(registry.registry_path(tmp_path / "wh"))
    assert table.schema.equals(registry.SCHEMA)
    assert table.select(["source_name", "freshness_warn_hours"]).to_pylist() == [
        {"source_name": "demo_trip_planner", "freshness_warn_hours": 36.0}
    ]


def test_stale_and_never_loaded_sources_are_named_and_fail_the_build(tmp_path):
    demo_sources(tmp_path / "src", 1, 40, "2025-06-24")
    sources = tmp_path / "sources.toml"
    missing = tmp_path / "nowhere" / "gateway.db"
    sources.write_text(
        (tmp_path / "src" / "sources.toml").read_text()
        + f'\n[[source]]\nname = "gw_missing"\nsystem = "ml_gateway"\nurl = "sqlite:///{missing}"\n'
    )
    env = demo_env(tmp_path / "wh", sources)
    extract = subprocess.run(
        [sys.executable, "-m", "warehouse", "extract"], cwd=REPO, env=env, capture_output=True,
        text=True,
    )  # fmt: skip
    assert extract.returncode == 1 and "gw_missing" in extract.stdout
    data_dir = tmp_path / "wh"
    # the registry lists every configured source, the one that failed included
    assert pq.read_table(registry.registry_path(data_dir))["source_name"].to_pylist()[-1] == (
        "gw_missing"
    )
    # daily systems: warn after 36 h, error after 60 h; text2sql (workdays): 84 h / 108 h
    _age(data_dir, "ml_gateway", "chat_logs", 40)  # warn
    _age(data_dir, "trip_planner", "generations", 70)  # error
    _age(data_dir, "text2sql", "query_analytics", 70)  # a weekend: still ok
    build = subprocess.run(
        [sys.executable, "-m", "warehouse", "build"], cwd=REPO, env=env, capture_output=True,
        text=True,
    )  # fmt: skip
    assert build.returncode == 1, build.stdout[-3000:]
    assert _freshness(data_dir) == {
        "demo_ai_process_log": "ok",
        "demo_trip_planner": "error",
        "demo_text2sql": "ok",
        "demo_instagram_feed": "ok",
        "demo_ml_gateway": "warn",
        "demo_otel_genai": "ok",
        "gw_missing": "never_loaded",
    }
    out = build.stdout
    assert "WARN 2 assert_sources_within_error_hours" in out
    assert "WARN 1 warn_sources_past_warn_hours" in out
    assert re.search(r"error: stale source: demo_trip_planner \(trip_planner\): last call row "
                     r"landed 70\.\d h ago \(error after 60\.0 h\)", out)  # fmt: skip
    assert "error: stale source: gw_missing (ml_gateway): no call row ever landed" in out
    assert "warning: stale source: demo_ml_gateway (ml_gateway): last call row landed" in out
    # the command's own failure lines, after the build published the marts
    err = build.stderr
    assert "stale source demo_trip_planner (trip_planner): last call row landed 70." in err
    assert "stale source gw_missing (ml_gateway): no call row ever landed" in err
    assert "demo_ml_gateway" not in err  # past warn only
