"""Publishing to readers (warehouse/publish.py): what readers see equals the builder's
tables, unchanged days are hard-linked rather than written again, old publications go
only when no process holds them, and the dbt model that publishes comes after every
mart."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import duckdb

from tests.support.cli import run
from warehouse.dbt_runner import dbt_executable
from warehouse.paths import DBT_DIR, dbt_env, dbt_target_dir
from warehouse.publish import BUILDER_DB, PUBLISHED, READERS_DB, publish


def _builder(data: Path) -> duckdb.DuckDBPyConnection:
    data.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(data / BUILDER_DB))
    con.execute("create schema marts")
    con.execute("create schema staging")
    con.execute(
        "create table marts.daily as select date '2025-06-01' + (i % 3)::int as usage_date, "
        "i as n, cast(i / 7 as decimal(38, 12)) as cost_usd, "
        "timestamptz '2025-06-01 00:00:00+00' + to_minutes(i) as last_loaded_at "
        "from range(30) as r(i)"
    )
    con.execute("create table marts.names as select 'a' || i as name from range(4) as r(i)")
    # a table whose day is the UTC date of a timestamp: 23:30 and 00:30 UTC of two days
    con.execute(
        "create table marts.spans as select i as id, timestamptz '2025-06-01 23:30:00+00' "
        "+ to_hours(i) as started_at from range(2) as r(i)"
    )
    con.execute("create table marts.empty (id varchar, usage_date date)")
    con.execute("create view staging.tripled as select n * 3 as n3 from marts.daily")
    con.execute("create view marts.summary as select sum(n3) as total from staging.tripled")
    return con


def _publish(con: duckdb.DuckDBPyConnection, data: Path):
    return publish(con, data, schemas=("marts",), views=("staging.tripled",))


def _readers(data: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(data / READERS_DB), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_readers_see_the_builder_tables_and_views(tmp_path):
    data = tmp_path / "wh"
    con = _builder(data)
    _id, published = publish(con, data, schemas=("marts",), views=("staging.tripled",))
    assert {p.relation for p in published} == {
        "marts.daily",
        "marts.names",
        "marts.empty",
        "marts.spans",
    }
    for table in ("daily", "names", "empty", "spans"):
        want = con.execute(f"select * from marts.{table} order by all").fetchall()
        assert _readers(data, f"select * from marts.{table} order by all") == want
        kinds = "select column_name, data_type from information_schema.columns "
        kinds += f"where table_name = '{table}' order by ordinal_position"
        assert _readers(data, kinds) == con.execute(kinds).fetchall()
    # a view of a view, read through the published tables: 3 * (0 + 1 + ... + 29)
    assert _readers(data, "select total from marts.summary") == [(3 * 29 * 30 // 2,)]


def test_unchanged_days_are_linked_and_changed_days_written(tmp_path):
    data = tmp_path / "wh"
    con = _builder(data)
    first, _ = _publish(con, data)
    con.execute("update marts.daily set n = n + 1000 where usage_date = date '2025-06-02'")
    second, published = _publish(con, data)
    daily = next(p for p in published if p.relation == "marts.daily")
    assert (daily.files_written, daily.files_linked) == (1, 2)
    names = next(p for p in published if p.relation == "marts.names")
    assert (names.files_written, names.files_linked) == (0, 1)
    a, b = data / PUBLISHED / first / "marts.daily", data / PUBLISHED / second / "marts.daily"
    assert (a / "2025-06-01.parquet").stat().st_ino == (b / "2025-06-01.parquet").stat().st_ino
    assert (a / "2025-06-02.parquet").stat().st_ino != (b / "2025-06-02.parquet").stat().st_ino
    total = sum(i + 1000 * (i % 3 == 1) for i in range(30))
    assert _readers(data, "select sum(n) from marts.daily") == [(total,)]

    # by the timestamp's UTC date, whatever the session's time zone (Seoul: both rows
    # fall on 2025-06-02 there)
    con.execute("set TimeZone = 'Asia/Seoul'")
    con.execute("update marts.spans set id = 7 where id = 1")
    third, published = _publish(con, data)
    spans = next(p for p in published if p.relation == "marts.spans")
    assert (spans.files_written, spans.files_linked) == (1, 1)
    folder = data / PUBLISHED / third / "marts.spans"
    assert sorted(f.name for f in folder.glob("2*.parquet")) == [
        "2025-06-01.parquet",
        "2025-06-02.parquet",
    ]
    assert _readers(data, "select id from marts.spans order by id") == [(0,), (7,)]


def test_old_publications_stay_while_a_process_holds_them(tmp_path):
    data = tmp_path / "wh"
    con = _builder(data)
    held, _ = _publish(con, data)
    # a reader opens the warehouse now and keeps it open
    reader = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, duckdb; c = duckdb.connect(sys.argv[1], read_only=True); "
         "print(c.execute('select count(*) from marts.names').fetchone()[0], flush=True); "
         "sys.stdin.read(); "
         "print(c.execute('select count(*) from marts.names').fetchone()[0], flush=True)",
         str(data / READERS_DB)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert reader.stdout is not None and reader.stdout.readline().strip() == "4"
    ids = [held]
    for extra in range(3):
        con.execute(f"insert into marts.names values ('new{extra}')")
        ids.append(_publish(con, data)[0])
    kept = {p.name for p in (data / PUBLISHED).iterdir()}
    # held (open), the one before the current one, the current one; ids[1] is gone
    assert kept == {held, ids[2], ids[3]}
    out, _ = reader.communicate("", timeout=30)
    assert out.strip() == "4"  # the held connection still reads its own marts
    assert _readers(data, "select count(*) from marts.names") == [(7,)]
    con.execute("insert into marts.names values ('last')")
    _publish(con, data)
    assert held not in {p.name for p in (data / PUBLISHED).iterdir()}


def test_the_publishing_model_comes_after_every_mart(tmp_path):
    run([dbt_executable(), "parse", "--quiet"], dbt_env(tmp_path), cwd=DBT_DIR, timeout=None)
    nodes = json.loads((dbt_target_dir(tmp_path) / "manifest.json").read_text())["nodes"]
    publisher = next(n for n in nodes.values() if n["name"] == "published_relations")
    marts = {
        uid
        for uid, n in nodes.items()
        if n["resource_type"] == "model" and n["schema"].endswith("marts")
    }
    assert marts, "no marts found in the manifest"
    assert marts <= set(publisher["depends_on"]["nodes"]), marts - set(
        publisher["depends_on"]["nodes"]
    )


def test_reports_whose_marts_did_not_change_are_known(tmp_path):
    from warehouse.reports import unchanged_notebooks

    with duckdb.connect(str(tmp_path / BUILDER_DB)) as con:
        con.execute("create schema publish")
        con.execute(
            "create table publish.published_relations as select * from (values "
            "('marts.daily_usage', 0), ('marts.sessions', 0), ('marts.generations', 3)) "
            "as t(relation, files_written)"
        )
    nodes = {
        f"model.p.{name}": {"schema": "marts", "name": name}
        for name in ("daily_usage", "sessions", "generations", "refresh_runs")
    }
    exposures = {
        "exposure.p.usage": ["daily_usage", "sessions"],  # both unchanged
        "exposure.p.latency": ["daily_usage", "generations"],  # generations changed
        "exposure.p.quality": ["sessions", "refresh_runs"],  # a view: never published
    }
    manifest = {
        "nodes": nodes,
        "exposures": {
            uid: {
                "url": f"notebooks/{uid.rsplit('.', 1)[1]}.py",
                "depends_on": {"nodes": [f"model.p.{m}" for m in marts]},
            }
            for uid, marts in exposures.items()
        },
    }
    dbt_target_dir(tmp_path).mkdir(parents=True)
    (dbt_target_dir(tmp_path) / "manifest.json").write_text(json.dumps(manifest))
    assert unchanged_notebooks(tmp_path) == {"usage"}
