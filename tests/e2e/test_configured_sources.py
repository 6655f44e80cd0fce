"""The marts hold exactly the configured sources (issue #12, item 1): a source removed
from the sources file leaves the marts (its landed files stay until `forget`), a renamed
source is counted once, and a source configured again comes back whole."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import polars as pl

from tests.support.cli import cli, demo_env, demo_sources


def _sources_toml(path: Path, entries: list[tuple[str, str, Path]]) -> Path:
    # a database, or otel_genai's folder of exports
    text = "\n".join(
        f'[[source]]\nname = "{name}"\nsystem = "{system}"\n'
        f'url = "{"sqlite:///" if db.suffix == ".db" else ""}{db}"\n'
        for name, system, db in entries
    )
    path.write_text(text, encoding="utf-8")
    return path


def _mart_counts(data_dir: Path) -> dict[str, pl.DataFrame]:
    """The calls each mart counts (and generations' keys), per source where it says."""
    with duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True) as con:
        q = {
            "generations": "select source_name, source_key, status, latency_ms "
            "from marts.generations",
            "daily_usage": "select source_name, sum(requests) as n from marts.daily_usage "
            "group by all",
            "model_costs": "select sum(requests) as n from marts.model_costs",
            "latency_percentiles": "select source_name, sum(requests_with_latency) as n "
            "from marts.latency_percentiles group by all",
            "model_latency_daily": "select sum(requests_with_latency) as n "
            "from marts.model_latency_daily",
        }
        return {name: con.sql(sql).pl() for name, sql in q.items()}


def _check(marts: dict[str, pl.DataFrame], expected: pl.DataFrame) -> None:
    """Every mart counts exactly the calls of `expected` (truth rows, renamed)."""
    gen = marts["generations"]
    assert gen.height == expected.height
    assert gen.select("source_name", "source_key").is_duplicated().sum() == 0
    assert gen.join(expected, on=["source_name", "source_key"], how="anti").height == 0
    per_source = expected.group_by("source_name").len().sort("source_name")
    daily = marts["daily_usage"].sort("source_name")
    assert daily["source_name"].to_list() == per_source["source_name"].to_list()
    assert daily["n"].to_list() == per_source["len"].to_list()
    assert marts["model_costs"]["n"][0] == expected.height
    timed = expected.filter((pl.col("status") == "success") & pl.col("latency_ms").is_not_null())
    assert marts["model_latency_daily"]["n"][0] == timed.height
    assert marts["latency_percentiles"]["n"].sum() == timed.height
    assert set(marts["latency_percentiles"]["source_name"]) == set(timed["source_name"])


def test_removed_renamed_and_readded_sources(tmp_path):
    src = tmp_path / "src"
    demo_sources(src, 3, 80, "2025-06-24")
    truth = pl.read_parquet(src / "truth" / "generations.parquet")
    systems = sorted(truth["source_system"].unique())
    all_five = [(f"demo_{s}", s, src / (s if s == "otel_genai" else f"{s}.db")) for s in systems]
    data = tmp_path / "wh"
    env = demo_env(data, _sources_toml(tmp_path / "all.toml", all_five))
    cli(env, "extract")
    cli(env, "build")
    _check(_mart_counts(data), truth)

    # one source, renamed: the other four leave, the renamed one is counted once
    env["WAREHOUSE_SOURCES"] = str(
        _sources_toml(tmp_path / "one.toml", [("trips", "trip_planner", src / "trip_planner.db")])
    )
    out = cli(env, "extract")
    counts = truth.group_by("source_name").len()
    for name, n in counts.iter_rows():
        line = (
            f"source {name} is no longer configured: its {n:,} calls left the marts; "
            f"python -m warehouse forget {name} deletes its landed files"
        )
        assert line in out, out
    cli(env, "build")
    trips = truth.filter(pl.col("source_system") == "trip_planner").with_columns(
        source_name=pl.lit("trips")
    )
    _check(_mart_counts(data), trips)
    # nothing was deleted: the parked files are still there
    parked = data / "landing" / ".parked"
    assert {p.name for p in parked.glob("*/*")} == {n for n, _s, _d in all_five}

    # all five again (the old names): they come back whole, and trips leaves
    env["WAREHOUSE_SOURCES"] = str(tmp_path / "all.toml")
    out = cli(env, "extract")
    n_trips = trips.height
    assert f"source trips is no longer configured: its {n_trips:,} calls left the marts" in out
    assert not re.search(r"source demo_\w+ is no longer configured", out), out
    cli(env, "build")
    _check(_mart_counts(data), truth)

    # forget deletes a parked source's files only, and refuses a configured one
    versions = data / "landing" / ".versions" / "trip_planner"
    assert (versions / "trips").is_dir()
    out = cli(env, "forget", "demo_trip_planner", code=1)
    assert "is configured" in out
    cli(env, "forget", "trips")
    assert not (versions / "trips").exists()
    assert (versions / "demo_trip_planner").is_dir()
    assert not list(parked.glob("*/trips"))
    cli(env, "build")
    _check(_mart_counts(data), truth)
