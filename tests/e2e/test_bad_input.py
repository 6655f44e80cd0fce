"""Bad input (SPEC §5): rows whose counted facts cannot be true or placed are set aside in
quarantined_rows with their rule; everything else lands in generations; every landed row
is accounted for. Bad rows are planted by construction, so the expected rule of each is
known here, not computed by the code under test."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from collections import Counter
from pathlib import Path

import duckdb
import polars as pl
import pytest

REPO = Path(__file__).resolve().parents[2]

# (database, table, key column, SQL set clause, rule): applied to distinct rows
PLANTS = [
    ("ai_process_log", "ai_process_log", "id", "token_input = -7", "negative_tokens"),
    ("ai_process_log", "ai_process_log", "id", "token_output = 25000000", "absurd_tokens"),
    ("ai_process_log", "ai_process_log", "id", "latency_ms = -1", "negative_latency"),
    ("ai_process_log", "ai_process_log", "id", "latency_ms = 90000000", "absurd_latency"),
    ("ai_process_log", "ai_process_log", "id", "created_at = '2019-07-01 10:00:00'",
     "timestamp_before_2020"),
    ("ai_process_log", "ai_process_log", "id", "created_at = '2099-01-01 00:00:00'",
     "timestamp_in_future"),
    ("trip_planner", "generations", "id", "prompt_tokens = -100", "negative_tokens"),
    ("trip_planner", "generations", "id", "latency_ms = 86400001", "absurd_latency"),
    ("trip_planner", "generations", "id", "created_at = null", "missing_timestamp"),
    ("text2sql", "query_analytics", "id", "completion_tokens = 10000001", "absurd_tokens"),
    ("text2sql", "query_analytics", "id", "timestamp = '2015-03-03 03:03:03'",
     "timestamp_before_2020"),
    ("instagram_feed", "instagram_feeds", "instagram_feed_id", "latency_ms = -12.5",
     "negative_latency"),
    ("instagram_feed", "instagram_feeds", "instagram_feed_id", "prompt_tokens = -1",
     "negative_tokens"),
    ("ml_gateway", "chat_logs", "id", "duration = -30", "negative_latency"),
    ("ml_gateway", "chat_logs", "id", "duration = 100000000", "absurd_latency"),
]  # fmt: skip
PER_PLANT = 2  # rows per plant


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> tuple[Path, pl.DataFrame, dict[str, str]]:
    data = tmp_path_factory.mktemp("bad")
    env = dict(os.environ, WAREHOUSE_DATA_DIR=str(data))
    demo = data / "demo"
    py = sys.executable

    def run(*args: str) -> None:
        proc = subprocess.run([py, "-m", "ingest", *args], cwd=REPO, env=env,
                              capture_output=True, text=True)  # fmt: skip
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]

    run("demo", "--days", "2", "--calls-per-day", "300")
    planted: dict[tuple[str, str, str], str] = {}
    for db_name, table, key, set_clause, rule in PLANTS:
        db = sqlite3.connect(demo / f"{db_name}.db")
        taken = {k for (d, t, k) in planted if (d, t) == (db_name, table)}
        keys = [
            str(r[0])
            for r in db.execute(f'select "{key}" from "{table}" order by "{key}" desc')
            if str(r[0]) not in taken
        ][:PER_PLANT]
        for k in keys:
            db.execute(f'update "{table}" set {set_clause} where cast("{key}" as text) = ?', (k,))
            planted[(db_name, table, k)] = rule
        db.commit()
        db.close()

    # a dump with the same id twice in one file: one is kept, the other set aside
    dump = data / "dump"
    dump.mkdir()
    rows = [
        {"id": f"dup{i}", "createdAt": f"2025-06-24 10:00:0{i}.000", "prompt": "p",
         "model": "gpt-4o", "response": "r", "duration": 500 + i, "error": None}
        for i in range(5)
    ]  # fmt: skip
    lines = [*rows, rows[1], rows[3]]
    (dump / "chat_logs.jsonl").write_text(
        "".join(json.dumps(r) + "\n" for r in lines), encoding="utf-8"
    )
    sources = (demo / "sources.toml").read_text(encoding="utf-8")
    sources += f'\n[[source]]\nname = "gw_dump"\nsystem = "ml_gateway"\nurl = "{dump}"\n'
    (data / "sources.toml").write_text(sources, encoding="utf-8")
    env["WAREHOUSE_SOURCES"] = str(data / "sources.toml")
    run("extract")
    run("build")
    truth = pl.read_parquet(demo / "truth" / "generations.parquet")
    return data, truth, {f"{d}|{t}|{k}": r for (d, t, k), r in planted.items()}


def test_each_planted_row_is_set_aside_with_its_rule(warehouse):
    data, _truth, planted = warehouse
    with duckdb.connect(str(data / "warehouse.duckdb"), read_only=True) as con:
        got = con.sql(
            "select source_system, source_table, source_row_key, rule, offending_value "
            "from marts.quarantined_rows"
        ).fetchall()
    by_key = {f"{s}|{t}|{k}": r for s, t, k, r, _v in got if not k.startswith("dup")}
    assert by_key == planted
    dups = [(k, r) for _s, _t, k, r, _v in got if k.startswith("dup")]
    assert sorted(dups) == [("dup1", "duplicate_key"), ("dup3", "duplicate_key")]
    values = {r: v for _s, _t, _k, r, v in got}
    assert values["negative_tokens"] in ("token_input=-7", "input_tokens=-7", "input_tokens=-100",
                                         "input_tokens=-1")  # fmt: skip
    assert len(PLANTS) >= 15 and len(set(planted.values())) == 7


def test_set_aside_rows_stay_out_of_the_marts(warehouse):
    data, truth, planted = warehouse
    with duckdb.connect(str(data / "warehouse.duckdb"), read_only=True) as con:
        g = con.sql("select source_system, source_key from marts.generations").pl()
        requests = con.execute("select sum(requests) from marts.daily_usage").fetchone()[0]
    keys = {f"{s}|{k}" for s, k in g.iter_rows()}
    system_of_table = {t: d for d, t, *_ in PLANTS}
    for dtk in planted:
        _db_name, table, key = dtk.split("|")
        assert f"{system_of_table[table]}|{key}" not in keys, dtk
    # every other call is there: the truth's calls, less the planted ones, plus the dump's 5
    assert g.height == truth.height - len(planted) + 5
    assert requests == g.height


def test_every_landed_row_is_accounted_for(warehouse):
    data, _truth, planted = warehouse
    with duckdb.connect(str(data / "warehouse.duckdb"), read_only=True) as con:
        acc = con.sql(
            "select source_name, source_table, rows_landed, rows_clean, rows_set_aside, "
            "rows_superseded from marts.landing_accounting"
        ).pl()
    assert (acc["rows_landed"] == acc["rows_clean"] + acc["rows_set_aside"]
            + acc["rows_superseded"]).all()  # fmt: skip
    per_table = dict(acc.group_by("source_table").agg(pl.col("rows_set_aside").sum()).iter_rows())
    want = Counter(dtk.split("|")[1] for dtk in planted)
    want["chat_logs"] += 2  # the dump's duplicates
    assert per_table == {t: want.get(t, 0) for t in per_table}
    dump = acc.filter(pl.col("source_name") == "gw_dump").row(0, named=True)
    assert (dump["rows_landed"], dump["rows_clean"], dump["rows_set_aside"]) == (7, 5, 2)
