"""Data tests at night run on what the refresh rebuilt (macros/nightly_tests.sql,
docs/nightly.md "Tests at night"), a full test run on every row.

One small demo, built, then a new day at the sources and a refresh, with bad rows
planted where the expected outcome follows from where they are:

- a node of the new day with an unknown status (at the source, so it lands as a user's
  would): the scoped test of the staging model sees it;
- rows already in the warehouse, outside what the refresh rebuilds (a staging row of an
  old load, a `generations` row of an old day): not seen at night, seen by a full run;
- a staging row of a day `generations` rebuilds (the look-back day) without a key: the
  rebuilt day carries it, and the day's scoped tests see it;
- an old `generations` row given the id of a call of the look-back day: the key test
  at night compares the rebuilt day's ids with every row, so it fails.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import duckdb
import pytest

from tests.support.cli import cli, demo_env, demo_sources
from warehouse import dbt_runner
from warehouse.paths import dbt_target_dir

pytestmark = pytest.mark.e2e

OLD_DAY = "2025-06-16"  # day 3 of 10: far from the extract's 24 h look-back
LOOKBACK_DAY = "2025-06-22"  # day 9: rebuilt by generations' look-back (lookback_days 1)
NEW_DAY = "2025-06-24"  # day 11


def _results(data_dir: Path) -> dict[str, tuple[str, int]]:
    """The last dbt invocation's tests: name -> (status, failing rows)."""
    path = dbt_target_dir(data_dir) / "run_results.json"
    out = {}
    for r in json.loads(path.read_text(encoding="utf-8"))["results"]:
        kind, _, name, *_ = r["unique_id"].split(".")
        if kind == "test":
            out[name] = (r["status"], int(r["failures"] or 0))
    return out


def _one(results: dict[str, tuple[str, int]], prefix: str) -> tuple[str, int]:
    found = [v for k, v in results.items() if k.startswith(prefix)]
    assert len(found) == 1, (prefix, sorted(results))
    return found[0]


def _plant_at_source(src: Path) -> int:
    """A node of the new day whose status is none of the accepted ones; its id."""
    con = sqlite3.connect(src / "trip_planner.db")
    with con:
        (node_id,) = con.execute(
            "select max(id) from nodes where started_at >= ?", (NEW_DAY,)
        ).fetchone()
        assert node_id is not None
        con.execute("update nodes set status = 'exploded' where id = ?", (node_id,))
    con.close()
    return node_id


def _plant_in_warehouse(data_dir: Path) -> dict[str, str]:
    """The rows planted in the built warehouse (see the module's docstring)."""
    with duckdb.connect(str(data_dir / "builder.duckdb")) as con:
        # the two earliest ml_gateway calls of the look-back day: hours before the
        # extract's look-back window, so the refresh does not land them again
        early = [
            r[0]
            for r in con.execute(
                "select generation_id from marts.generations "
                "where source_system = 'ml_gateway' and started_on = ? "
                "order by started_at limit 2",
                [LOOKBACK_DAY],
            ).fetchall()
        ]
        old = [
            r[0]
            for r in con.execute(
                "select generation_id from marts.generations "
                "where source_system = 'ml_gateway' and started_on = ? "
                "order by started_at limit 2",
                [OLD_DAY],
            ).fetchall()
        ]
        assert len(early) == 2 and len(old) == 2
        unkeyed, taken = early
        # an old day's row that takes the id of a look-back day's call
        con.execute(
            "update marts.generations set generation_id = ? where generation_id = ?",
            [taken, old[0]],
        )
        # an old day's row with a NULL where a value is required
        con.execute(
            "update marts.generations set has_repaired_text = null where generation_id = ?",
            [old[1]],
        )
        # the staging row of a look-back day's call loses its key (generation_id and
        # source_key are built from it)
        n = con.execute(
            "update staging.stg_ml_gateway__chat_logs set chat_log_key = null "
            "where source_name || ':chat_logs:' || chat_log_key = ?",
            [unkeyed],
        ).fetchone()
        assert n == (1,)
        # a node of an old load with an unknown status
        n = con.execute(
            "update staging.stg_trip_planner__nodes set node_status = 'imploded' "
            "where node_key = (select min(node_key) from staging.stg_trip_planner__nodes "
            "where started_at < ?)",
            [OLD_DAY],
        ).fetchone()
        assert n == (1,)
        loaded = con.execute(
            "select cast(loaded_at as varchar) from marts.generations where generation_id = ?",
            [taken],
        ).fetchone()
    assert loaded is not None
    return {"taken": taken, "taken_loaded_at": loaded[0]}


def test_nightly_tests_see_rebuilt_rows_and_new_keys_a_full_run_every_row(tmp_path):
    src, data_dir = tmp_path / "src", tmp_path / "wh"
    env = demo_env(data_dir, src / "sources.toml")
    # same seed and start: the 11-day demo's first 10 days are the 10-day demo's
    demo_sources(src, 10, 60, "2025-06-23")
    cli(env, "nightly", "--no-notebooks")  # the first refresh: every model new
    first = _results(data_dir)
    assert all(status in ("pass", "warn") for status, _ in first.values()), first

    demo_sources(src, 11, 60, NEW_DAY)  # day 11 arrives
    _plant_at_source(src)
    planted = _plant_in_warehouse(data_dir)
    out = cli(env, "nightly", "--no-notebooks", code=1)
    assert "dbt build failed" in out, out[-3000:]
    night = _results(data_dir)
    # generations' days, which its select and its pre-hook both need, worked out once
    log = (data_dir / "dbt" / "logs" / "dbt.log").read_text(encoding="utf-8")
    relation = '"builder"."marts"."generations"'
    assert f"nightly days of {relation}: worked out before, reused" in log

    with duckdb.connect(str(data_dir / "builder.duckdb"), read_only=True) as con:
        held = con.execute(
            "select started_on, cast(loaded_at as varchar) from marts.generations "
            "where generation_id = ? order by started_on",
            [planted["taken"]],
        ).fetchall()
    # the look-back day's call was rebuilt from its old load, beside the old day's row
    assert [(str(d), t) for d, t in held] == [
        (OLD_DAY, planted["taken_loaded_at"]),
        (LOOKBACK_DAY, planted["taken_loaded_at"]),
    ]

    # at night: the new day's bad node, the rebuilt day's unkeyed call and the rebuilt
    # call whose id an old row holds; not the rows outside what the refresh rebuilt
    assert _one(night, "accepted_values_stg_trip_planner__nodes_node_status") == ("warn", 1)
    assert _one(night, "not_null_generations_generation_id") == ("fail", 1)
    assert _one(night, "unique_generations_generation_id") == ("fail", 1)
    # one test for the model's not-null columns: one failing row per column with NULLs,
    # source_key's (the rebuilt unkeyed call), not has_repaired_text's (an old row)
    assert _one(night, "not_null_columns_generations_") == ("fail", 1)
    assert _one(night, "not_null_stg_ml_gateway__chat_logs_chat_log_key") == ("pass", 0)

    # a full run (no var nightly_tests, as `make build` and CI) tests every row
    assert not dbt_runner.run(data_dir, "test", "--exclude", "resource_type:unit_test").ok
    full = _results(data_dir)
    assert _one(full, "accepted_values_stg_trip_planner__nodes_node_status") == ("warn", 2)
    assert _one(full, "not_null_columns_generations_") == ("fail", 2)  # both columns
    assert _one(full, "not_null_stg_ml_gateway__chat_logs_chat_log_key") == ("fail", 1)
    assert _one(full, "unique_generations_generation_id") == ("fail", 1)
    assert _one(full, "not_null_generations_generation_id") == ("fail", 1)
