"""The daily commands as a user types them: make targets honouring WAREHOUSE_SOURCES and
WAREHOUSE_DATA_DIR, and `dbt build` run by hand with the environment active."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import polars as pl

from tests.support.cli import REPO, cli, demo, demo_env, make


def _generations(data_dir: Path) -> pl.DataFrame:
    with duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True) as con:
        return con.sql("select source_name, source_key from marts.generations").pl()


def test_two_warehouses_stay_separate(tmp_path):
    truth_a = demo(tmp_path / "src_a", 2, 120, seed=1)
    truth_b = demo(tmp_path / "src_b", 2, 80, seed=2)
    for name in ("a", "b"):
        env = demo_env(tmp_path / f"wh_{name}", tmp_path / f"src_{name}" / "sources.toml")
        make(env, "ingest", "build")
    got_a, got_b = _generations(tmp_path / "wh_a"), _generations(tmp_path / "wh_b")
    # 2 days of 120 and 80 calls, and a tenth more of otel_genai spans
    assert got_a.height == truth_a.height == 240 + 24
    assert got_b.height == truth_b.height == 160 + 16
    assert got_a.join(truth_a, on=["source_name", "source_key"], how="anti").height == 0
    assert got_b.join(truth_b, on=["source_name", "source_key"], how="anti").height == 0
    # nothing of warehouse b was written under a, and dbt's own files stay with each
    assert not list((tmp_path / "wh_a").rglob("*src_b*"))
    assert (tmp_path / "wh_a" / "dbt" / "target").is_dir()


def test_dbt_build_by_hand_with_the_environment_active(tmp_path):
    truth = demo(tmp_path / "src", 2, 60, seed=3)
    # by hand, as a user would: not warehouse.paths.dbt_env's environment, no DBT_ variable
    # but the two that keep dbt's own files out of the checkout (dbt finds the profile in
    # dbt_project/)
    script = (
        f"source {REPO}/.venv/bin/activate && make --no-print-directory ingest && "
        "(cd dbt_project && dbt build --quiet)"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("DBT_")}
    env.update(
        WAREHOUSE_SOURCES=str(tmp_path / "src" / "sources.toml"),
        WAREHOUSE_DATA_DIR=str(tmp_path / "wh"),
        DBT_TARGET_PATH=str(tmp_path / "target"),  # keep the checkout's target/ untouched
        DBT_LOG_PATH=str(tmp_path / "logs"),
    )
    proc = subprocess.run(["bash", "-c", script], cwd=REPO, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert _generations(tmp_path / "wh").height == truth.height


def test_build_output_is_quiet_and_ends_with_its_warnings(tmp_path):
    """`python -m warehouse build` into a pipe (as under cron): no colour codes, a few lines
    instead of dbt's ~800, ending with a summary that names every unpriced model of the
    demo; dbt's full log, also without colour codes, stays in the data dir."""
    demo(tmp_path / "src", 2, 60, seed=42)
    env = demo_env(tmp_path / "wh", tmp_path / "src" / "sources.toml")
    cli(env, "extract", timeout=None)
    proc = subprocess.run([sys.executable, "-m", "warehouse", "build"], cwd=REPO, env=env,
                          capture_output=True, text=True)  # fmt: skip
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-3000:]
    assert "\x1b" not in out
    lines = proc.stdout.splitlines()
    assert 1 <= len(lines) <= 30, out[-3000:]
    assert lines[0].startswith("dbt build: ok in ")
    with duckdb.connect(str(tmp_path / "wh" / "warehouse.duckdb"), read_only=True) as con:
        unpriced = con.sql("select source_name, model_raw from marts.unpriced_models").fetchall()
    assert unpriced
    summary = "\n".join(lines)
    assert "WARN " in summary and " warn_unpriced_models" in summary
    for source, model in unpriced:
        assert f"warning: unpriced model: {model} in {source} " in summary
    log = tmp_path / "wh" / "dbt" / "logs" / "dbt.log"
    assert lines[-1] == f"  full dbt log: {log}"
    text = log.read_text()
    assert "warn_unpriced_models" in text and "\x1b" not in text


def test_make_ingest_build_builds_past_a_failed_source_and_fails(tmp_path):
    """`make ingest build` with one source that cannot be read: the healthy sources reach
    the marts, the broken one is named at the end, and the exit status is non-zero (as in
    `make nightly`; make used to stop at the failed ingest and build nothing)."""
    truth = demo(tmp_path / "src", 2, 60, seed=5)
    demo_sources = (tmp_path / "src" / "sources.toml").read_text()
    healthy = [
        "[[source]]" + block
        for block in demo_sources.split("[[source]]")[1:]
        if 'system = "trip_planner"' in block or 'system = "ml_gateway"' in block
    ]
    missing = tmp_path / "nowhere" / "feeds.db"
    broken = (
        f'[[source]]\nname = "ig_broken"\nsystem = "instagram_feed"\nurl = "sqlite:///{missing}"\n'
    )
    sources = tmp_path / "sources.toml"
    sources.write_text("\n".join([*healthy, broken]))
    env = demo_env(tmp_path / "wh", sources)
    proc = subprocess.run(
        ["make", "--no-print-directory", "ingest", "build"],
        cwd=REPO, env=env, capture_output=True, text=True,
    )  # fmt: skip
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0, out[-3000:]
    assert f"source ig_broken: database file not found: {missing}" in proc.stderr, out[-3000:]
    # never loaded: a freshness error, named once the healthy sources are built and published
    assert "stale source ig_broken (instagram_feed): no call row ever landed" in out
    built = _generations(tmp_path / "wh")
    expected = truth.filter(pl.col("source_name").is_in(["demo_trip_planner", "demo_ml_gateway"]))
    assert expected.height > 0
    assert sorted(built["source_name"].unique()) == ["demo_ml_gateway", "demo_trip_planner"]
    assert built.join(expected, on=["source_name", "source_key"], how="anti").height == 0
    assert built.height == expected.height
