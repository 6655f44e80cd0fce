"""Ingest from a real PostgreSQL server (started by the suite): production types, incremental
runs that land exactly what is new, crash safety under SIGKILL, and clear failures."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
from pathlib import Path

import duckdb
import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from demo import DemoOptions, _run_system
from ingest import systems
from ingest.config import Source, load_sources
from ingest.extract import extract_all
from tests.support import pgserver
from tests.support.cli import REPO, cli
from tests.support.marts import dbt_build, marts
from tests.support.postgres import copy_sqlite_to_postgres
from warehouse.paths import dbt_env

PW_ENV = "WH_TEST_PG_PASSWORD"
SYSTEMS = ("instagram_feed", "ml_gateway")


@pytest.fixture(scope="module")
def pg():
    server = pgserver.start()
    yield server
    server.stop()


def _generate(tmp: Path, days: int, calls_per_day: int) -> pl.DataFrame:
    """The two PostgreSQL systems' demo databases (SQLite) and their truth."""
    tmp.mkdir(parents=True, exist_ok=True)
    options = DemoOptions(
        days=days, calls_per_day=calls_per_day, end_date=dt.date(2025, 6, 12), seed=7
    )
    parts = []
    for system in SYSTEMS:
        _run_system(system, tmp, options)
        with pa.OSFile(str(tmp / f".truth-{system}.arrow"), "rb") as f:
            parts.append(pl.DataFrame(pa.ipc.open_file(f).read_all()))
    return pl.concat(parts)


def _load(pg, tmp: Path, db: str) -> None:
    dsn = pg.create_database(db)
    for system in SYSTEMS:
        copy_sqlite_to_postgres(tmp / f"{system}.db", system, dsn)


def _sources(pg, tmp: Path, db: str, extra: str = "") -> Path:
    """instagram_feed with its password from password_env; ml_gateway from the URL."""
    text = (
        f'[[source]]\nname = "ig_pg"\nsystem = "instagram_feed"\n'
        f'url = "{pg.dsn(db, password=None)}"\npassword_env = "{PW_ENV}"\n\n'
        f'[[source]]\nname = "gw_pg"\nsystem = "ml_gateway"\nurl = "{pg.dsn(db)}"\n' + extra
    )
    path = tmp / "sources.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(autouse=True)
def _password(monkeypatch):
    monkeypatch.setenv(PW_ENV, pgserver.PASSWORD)


MARTS = ["generations", "daily_usage", "model_costs", "latency_percentiles", "sessions",
         "feed_outputs", "users"]  # fmt: skip


def _marts(data: Path) -> dict[str, pl.DataFrame]:
    return marts(data, MARTS, drop=("loaded_at", "last_loaded_at"))


def _assert_same_marts(a: dict, b: dict) -> None:
    for m in MARTS:
        assert a[m].height == b[m].height, m
        assert a[m].equals(b[m]), m


# --------------------------------------------------------------------------- 20k rows
# The same at scale (1M rows a system, with rows/s against COPY): bench/pg_ingest.py.


@pytest.mark.e2e  # builds the warehouse
def test_20k_rows_each_land_with_their_types_and_marts_equal_truth(pg, tmp_path):
    truth = _generate(tmp_path / "src", days=10, calls_per_day=13_334)
    counts = truth.group_by("source_system").len()
    assert dict(counts.iter_rows()) == {"instagram_feed": 20_000, "ml_gateway": 20_000}
    _load(pg, tmp_path / "src", "big")
    types = pg.psql(
        "select column_name || ':' || udt_name from information_schema.columns "
        "where table_name in ('instagram_feeds', 'chat_logs') order by 1",
        db="big",
    ).split()
    for expected in ("instagram_feed_id:uuid", "gpt_response_raw:jsonb", "token_usage:jsonb",
                     "created_at:timestamptz", "createdAt:timestamp"):  # fmt: skip
        assert expected in types
    data = tmp_path / "wh"
    sources = load_sources(_sources(pg, tmp_path, "big"))
    results = extract_all(sources, data)
    assert [r.status for r in results] == ["ok", "ok"], [r.error for r in results]
    feeds = pq.read_table(
        data / "landing" / "instagram_feed" / "ig_pg" / "instagram_feeds"
    )  # a directory through the symlink
    assert feeds.num_rows == 20_000
    assert feeds.schema.field("created_at").type == pa.timestamp("us", tz="UTC")
    assert feeds.schema.field("instagram_feed_id").type == pa.string()
    assert feeds.schema.field("gpt_response_raw").type == pa.string()
    logs = pq.read_table(data / "landing" / "ml_gateway" / "gw_pg" / "chat_logs")
    assert logs.num_rows == 20_000
    assert logs.schema.field("createdAt").type == pa.timestamp("us")
    del feeds, logs

    cli(dbt_env(data), "build", timeout=None)  # with the data tests
    with duckdb.connect(str(data / "warehouse.duckdb"), read_only=True) as con:
        g = con.sql(
            """select source_name, source_key, started_at, input_tokens, output_tokens,
                      latency_ms, status, session_id, tenant_id,
                      reported_cost_usd::double as reported_cost_usd
               from marts.generations"""
        ).pl()
        daily = con.sql(
            "select usage_date, source_name, sum(requests) as n, sum(errors) as e, "
            "sum(input_tokens) as i from marts.daily_usage group by all"
        ).pl()
    truth = truth.with_columns(
        source_name=pl.when(pl.col("source_system") == "instagram_feed")
        .then(pl.lit("ig_pg"))
        .otherwise(pl.lit("gw_pg")),
    )
    j = truth.join(g, on=["source_name", "source_key"], how="full", suffix="_wh")
    assert j.height == truth.height == g.height == 40_000
    for col in ["input_tokens", "output_tokens", "latency_ms", "status", "tenant_id"]:
        assert j[col].eq_missing(j[f"{col}_wh"]).all(), col
    assert (j["started_at"].dt.epoch("us") == j["started_at_wh"].dt.epoch("us")).all()
    session = pl.when(pl.col("session_key").is_not_null()).then(
        pl.col("source_name") + ":" + pl.col("session_key")
    )
    assert j.select(session.eq_missing(pl.col("session_id")).all()).item()
    rep = j.filter(pl.col("reported_cost_usd").is_not_null())
    np.testing.assert_allclose(rep["reported_cost_usd"], rep["reported_cost_usd_wh"], atol=1e-9)
    exp = truth.group_by(pl.col("started_at").dt.date().alias("usage_date"), "source_name").agg(
        n=pl.len(), e=(pl.col("status") == "error").sum()
    )
    d = exp.join(daily, on=["usage_date", "source_name"], how="full", suffix="_wh")
    assert d.height == exp.height == daily.height
    assert (d["n"] == d["n_wh"]).all() and (d["e"] == d["e_wh"]).all()


# --------------------------------------------------------------------------- incremental


@pytest.fixture(scope="module")
def small(pg, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("small")
    truth = _generate(tmp / "src", days=3, calls_per_day=2_000)
    return tmp, truth


def _fresh_db(pg, small, name: str) -> Path:
    tmp, _ = small
    _load(pg, tmp / "src", name)
    folder = tmp / name
    folder.mkdir()
    return _sources(pg, folder, name)


def _rows_by_table(results) -> dict[str, int]:
    return {f"{r.source.name}.{t.table}": t.rows for r in results for t in r.tables}


@pytest.mark.e2e  # builds the warehouse
def test_incremental_runs_land_exactly_what_is_new(pg, small, tmp_path):
    path = _fresh_db(pg, small, "incr")
    sources = load_sources(path)
    data = tmp_path / "wh"
    first = extract_all(sources, data)
    assert all(r.status == "ok" for r in first)
    n_calls = small[1].height
    assert (
        _rows_by_table(first)["gw_pg.chat_logs"] + _rows_by_table(first)["ig_pg.instagram_feeds"]
        == n_calls
    )
    dbt_build(data)
    before = _marts(data)

    # nothing new: nothing lands, the marts do not move
    again = extract_all(sources, data)
    assert sum(_rows_by_table(again).values()) == 0, _rows_by_table(again)
    dbt_build(data)
    _assert_same_marts(before, _marts(data))

    # A late update inside the look-back window, 25 new gateway calls (stamped after the
    # last one, as the app's now() does) and 30 new feeds (pk SERIAL grows; their
    # created_at may say anything): exactly those 56 rows land.
    updated = pg.psql('select id from chat_logs order by "createdAt" desc limit 1', db="incr")
    updated = updated.strip()
    pg.psql(
        f"update chat_logs set error = 'late: upstream 502', response = null "
        f"where id = '{updated}'",
        db="incr",
    )
    pg.psql(
        """insert into chat_logs
           select 'new' || id,
                  (select max("createdAt") from chat_logs)
                  + make_interval(secs => row_number() over (order by id)),
                  prompt, model, response, duration, error
           from chat_logs order by id limit 25""",
        db="incr",
    )
    pg.psql(
        """create table x as select * from instagram_feeds order by created_at limit 30;
           update x set instagram_feed_id = gen_random_uuid(), pk = pk + 10000000,
                        created_at = created_at + interval '4 days';
           insert into instagram_feeds select * from x; drop table x;""",
        db="incr",
    )
    third = _rows_by_table(extract_all(sources, data))
    assert third["gw_pg.chat_logs"] == 26
    assert third["ig_pg.instagram_feeds"] == 30
    assert sum(third.values()) == 56
    dbt_build(data)
    after = _marts(data)
    assert after["generations"].height == before["generations"].height + 55
    with duckdb.connect(str(data / "warehouse.duckdb"), read_only=True) as con:
        row = con.execute(
            "select status, error_message from marts.generations where source_key = ?",
            [updated],
        ).fetchone()
    assert row == ("error", "late: upstream 502")  # updated in place, not duplicated

    # --full-refresh re-reads everything and gives the same warehouse
    full = extract_all(sources, data, full_refresh=True)
    assert all(r.status == "ok" for r in full)
    assert len(list((data / "landing" / "ml_gateway" / "gw_pg" / "chat_logs").glob("*"))) == 1
    cli(dbt_env(data), "build", timeout=None)  # with the data tests
    _assert_same_marts(after, _marts(data))


# --------------------------------------------------------------------------- SIGKILL

FAULTS = ["mid-write", "after-read", "before-publish", "after-publish"]


def _ingest_cli(data: Path, sources: Path, fault: str | None = None):
    env = dbt_env(data)
    env["WAREHOUSE_SOURCES"] = str(sources)
    env[PW_ENV] = pgserver.PASSWORD
    env.pop("WAREHOUSE_FAULT", None)
    if fault:
        env["WAREHOUSE_FAULT"] = fault
    return subprocess.run(
        [sys.executable, "-m", "warehouse", "extract"], cwd=REPO, env=env, capture_output=True,
        text=True,
    )  # fmt: skip


def _visible_files(data: Path) -> list[Path]:
    """What a reader globbing the landing zone (as dbt does) would open."""
    return sorted((data / "landing").glob("*/*/*/*.parquet"))


@pytest.mark.e2e  # builds the warehouse
def test_sigkill_at_any_point_then_rerun_equals_an_uninterrupted_run(pg, small, tmp_path):
    path = _fresh_db(pg, small, "crash")

    def add_rows(tag: str) -> None:
        pg.psql(
            f"""insert into chat_logs
                select '{tag}' || id, (select max("createdAt") from chat_logs)
                       + make_interval(secs => row_number() over (order by id)),
                       prompt, model, response, duration, error
                from chat_logs where id not like 'k%' order by id limit 40""",
            db="crash",
        )

    # Reference: initial load, then one increment, uninterrupted.
    ref = tmp_path / "ref"
    assert _ingest_cli(ref, path).returncode == 0
    crashed = {}
    for fault in FAULTS:
        crashed[fault] = tmp_path / f"crash-{fault}"
        assert _ingest_cli(crashed[fault], path).returncode == 0
    add_rows("k1")
    assert _ingest_cli(ref, path).returncode == 0
    dbt_build(ref)
    want = _marts(ref)

    for fault in FAULTS:
        data = crashed[fault]
        seen_before = _visible_files(data)
        proc = _ingest_cli(data, path, fault)
        assert proc.returncode == -signal.SIGKILL, (fault, proc.returncode, proc.stderr[-500:])
        visible = _visible_files(data)
        if fault != "after-publish":  # before the swap: exactly the previous files
            assert visible == seen_before, fault
        for f in visible:  # every visible file is whole
            pq.read_metadata(f)
        assert _ingest_cli(data, path).returncode == 0, fault
        dbt_build(data)
        _assert_same_marts(want, _marts(data))
        assert not list((data / "landing").rglob("*.partial")), fault


# --------------------------------------------------------------------------- failures


def test_wrong_password_and_refused_port_fail_clearly_and_alone(pg, small, tmp_path):
    path = _fresh_db(pg, small, "fail")
    bad_pw = "Wr0ng-pässword-xyz"
    extra = (
        f'\n[[source]]\nname = "gw_badpw"\nsystem = "ml_gateway"\n'
        f'url = "{pg.dsn("fail", password=bad_pw)}"\n'
        f'\n[[source]]\nname = "gw_refused"\nsystem = "ml_gateway"\n'
        f'url = "{pg.dsn("fail", port=pgserver.free_port())}"\n'
        f'\n[[source]]\nname = "gw_nodb"\nsystem = "ml_gateway"\n'
        f'url = "{pg.dsn("no_such_database")}"\n'
    )
    text = path.read_text(encoding="utf-8") + extra
    path.write_text(text, encoding="utf-8")
    data = tmp_path / "wh"
    proc = _ingest_cli(data, path)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0
    for secret in (pgserver.PASSWORD, bad_pw):
        assert secret not in out
        assert secret.encode("utf-8").hex() not in out
    from urllib.parse import quote

    assert quote(pgserver.PASSWORD, safe="") not in out and quote(bad_pw, safe="") not in out
    errors = [line for line in out.splitlines() if line.startswith("error: ")]
    assert len(errors) == 3
    assert any("gw_badpw" in e and "password authentication failed" in e for e in errors)
    assert any("gw_refused" in e and "refused" in e.lower() for e in errors)
    assert any("gw_nodb" in e and "no_such_database" in e for e in errors)
    # the good sources still landed
    assert pq.read_table(data / "landing" / "ml_gateway" / "gw_pg" / "chat_logs").num_rows > 0
    assert (data / "landing" / "instagram_feed" / "ig_pg").exists()
    # nothing of the failed sources, nor any secret, in the landing zone
    assert not (data / "landing" / "ml_gateway" / "gw_badpw").exists()
    for f in (data / "landing").rglob("*"):
        if f.is_file():
            blob = f.read_bytes()
            assert pgserver.PASSWORD.encode() not in blob and bad_pw.encode() not in blob


def test_password_env_unset_is_a_clear_error(pg, small, tmp_path, monkeypatch):
    path = _fresh_db(pg, small, "noenv")
    monkeypatch.delenv(PW_ENV)
    [ig, gw] = extract_all(load_sources(path), tmp_path / "wh")
    assert ig.status == "failed" and PW_ENV in (ig.error or "")
    assert gw.status == "ok"


def test_a_database_of_another_system_names_that_system(pg, tmp_path):
    pg.create_database("wrong_system")
    pg.psql(
        f"set role {pgserver.USER}; "
        'create table chat_logs (id text, "createdAt" timestamp, prompt text, model text)',
        db="wrong_system",
    )
    src = Source(name="feeds", system="instagram_feed", url=pg.dsn("wrong_system"), timezone="UTC")
    [r] = extract_all([src], tmp_path / "wh")
    required = [t.name for t in systems.SYSTEMS["instagram_feed"].tables if not t.optional]
    assert r.error == (
        "source feeds (system instagram_feed): the database has none of instagram_feed's "
        f"tables ({', '.join(required)}); "
        'it looks like a database of ml_gateway (set system = "ml_gateway")'
    )


def test_loaded_at_is_recent(pg, small, tmp_path):
    """The load metadata is the run's clock, in UTC."""
    path = _fresh_db(pg, small, "meta")
    data = tmp_path / "wh"
    before = dt.datetime.now(dt.UTC)
    extract_all(load_sources(path), data)
    t = pq.read_table(data / "landing" / "ml_gateway" / "gw_pg" / "chat_logs")
    loaded = t["_loaded_at"][0].as_py()
    assert before - dt.timedelta(seconds=1) <= loaded <= dt.datetime.now(dt.UTC)
    assert set(t["_source_name"].to_pylist()) == {"gw_pg"}
    assert os.path.islink(data / "landing" / "ml_gateway" / "gw_pg")
