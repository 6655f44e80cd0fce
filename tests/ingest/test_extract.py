"""Unit tests of the extraction plumbing on small real SQLite files."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ingest.config import ConfigError, Source, load_sources, redact
from ingest.extract import (
    META_FIELDS,
    Progress,
    build_sqlite_query,
    extract_all,
    format_summary,
)
from ingest.systems import SYSTEMS, Table
from ingest.systems.base import cols

ML = SYSTEMS["ml_gateway"]


def _gateway_db(path: Path, rows: list[tuple]) -> Path:
    db = sqlite3.connect(path)
    db.execute(
        'create table chat_logs (id text primary key, "createdAt" timestamp not null, '
        "prompt text not null, model text not null, response text, duration integer, "
        "error text, internal_note text)"
    )
    db.executemany("insert into chat_logs values (?, ?, ?, ?, ?, ?, ?, ?)", rows)
    db.commit()
    db.close()
    return path


def _source(path: Path, name: str = "gw") -> Source:
    return Source(name=name, system="ml_gateway", url=f"sqlite:///{path}", timezone="UTC")


def _landed(data: Path, source: str, table: str) -> pa.Table:
    files = sorted((data / "landing" / "ml_gateway" / source / table).glob("*.parquet"))
    files = [f for f in files if not f.name.startswith(".")]
    assert len(files) == 1, files
    return pq.read_table(files[0])


def test_null_leading_columns_keep_their_declared_types(tmp_path):
    # 70k rows whose response/duration/error are NULL, then typed values: the ADBC
    # driver alone would infer INT64 from the NULL batch and fail on the text.
    rows: list[tuple] = [(f"c{i}", "2025-06-01 00:00:00.000", "p", "gpt-4o", None, None, None, None)
            for i in range(70_000)]  # fmt: skip
    rows.append(("cz", "2025-06-02 12:30:00.123", "p", "gpt-4o", "hi", 812, "429 Too Many", "x"))
    src = _source(_gateway_db(tmp_path / "gw.db", rows))
    [result] = extract_all([src], tmp_path / "data", Progress())
    assert result.status == "ok", result.error
    t = _landed(tmp_path / "data", "gw", "chat_logs")
    assert t.num_rows == 70_001
    assert t.schema.field("duration").type == pa.int64()
    assert t.schema.field("createdAt").type == pa.timestamp("us")
    last = t.filter(pa.compute.equal(t["id"], "cz")).to_pylist()[0]
    assert last["error"] == "429 Too Many" and last["duration"] == 812
    assert last["createdAt"] == dt.datetime(2025, 6, 2, 12, 30, 0, 123000)
    # metadata columns, and nothing outside the allowlist
    assert last["_source_name"] == "gw" and last["_source_timezone"] == "UTC"
    assert "internal_note" not in t.column_names
    assert set(t.column_names) == {c.name for c in ML.tables[0].columns} | {
        f.name for f in META_FIELDS
    } | {"_unreadable", "_text_issues", "_text_repaired", "_text_original_hex"}


def test_missing_required_column_names_source_table_and_column(tmp_path):
    db = sqlite3.connect(tmp_path / "gw.db")
    db.execute('create table chat_logs (id text, "createdAt" text, prompt text, model text)')
    db.close()
    good = _gateway_db(
        tmp_path / "ok.db", [("c1", "2025-06-01 00:00:00", "p", "m", "r", 5, None, None)]
    )
    results = extract_all([_source(tmp_path / "gw.db"), _source(good, "ok")], tmp_path / "data")
    bad, ok = results
    assert bad.status == "failed"
    assert bad.error and "gw" in bad.error and "chat_logs" in bad.error and "response" in bad.error
    assert ok.status == "ok" and ok.rows == 1
    # nothing of the failed source was written
    assert not (tmp_path / "data" / "landing" / "ml_gateway" / "gw").exists() or not list(
        (tmp_path / "data" / "landing" / "ml_gateway" / "gw").rglob("*.parquet")
    )
    summary = format_summary(results)
    assert "failed" in summary and "error: source gw" in summary


def test_missing_file_is_a_clear_error_and_never_created(tmp_path):
    missing = tmp_path / "nope.db"
    [r] = extract_all([_source(missing)], tmp_path / "data")
    assert r.status == "failed" and r.error and "not found" in r.error and str(missing) in r.error
    assert not missing.exists()


def test_rerun_lands_only_new_rows(tmp_path):
    path = _gateway_db(
        tmp_path / "gw.db", [("c1", "2025-06-01 00:00:00", "p", "m", None, 1, None, None)]
    )
    extract_all([_source(path)], tmp_path / "data")
    db = sqlite3.connect(path)
    db.execute(
        "insert into chat_logs values ('c2', '2025-06-01 01:00:00', 'p', 'm', null, 2, null, null)"
    )
    db.commit()
    db.close()
    [r] = extract_all([_source(path)], tmp_path / "data")
    assert r.rows == 1  # only c2: c1 was re-read in the look-back window, unchanged
    files = sorted((tmp_path / "data" / "landing" / "ml_gateway" / "gw" / "chat_logs").glob("*"))
    assert len(files) == 2
    assert [pq.read_table(f)["id"].to_pylist() for f in files] == [["c1"], ["c2"]]
    assert not list((tmp_path / "data").rglob("*.tmp"))
    assert not list((tmp_path / "data").rglob("*.partial"))


def test_unreadable_values_land_as_null_and_are_named_never_as_zero(tmp_path):
    # SQLite keeps any value in any column; its CAST would read 'n/a' as 0 and 1.5 as 1
    rows = [
        ("c1", "yesterday-ish", "p", "m", None, 1, None, None),
        ("c2", "2025-06-01 10:00:00", "p", "m", None, "n/a", None, None),
        ("c3", "2025-06-01 10:00:00", "p", "m", None, 1.5, None, None),
        ("c4", "2025-06-01 10:00:00", "p", "m", None, " 42", None, None),
        ("c5", "2025-06-01 10:00:00", "p", "m", None, 7, None, None),
    ]
    path = _gateway_db(tmp_path / "gw.db", rows)
    [r] = extract_all([_source(path)], tmp_path / "data")
    assert r.status == "ok", r.error
    landed = _landed(tmp_path / "data", "gw", "chat_logs").to_pylist()
    got = {x["id"]: (x["createdAt"], x["duration"], x["_unreadable"]) for x in landed}
    assert got == {
        "c1": (None, 1, "createdAt='yesterday-ish'"),
        "c2": (dt.datetime(2025, 6, 1, 10), None, "duration='n/a'"),
        "c3": (dt.datetime(2025, 6, 1, 10), None, "duration='1.5'"),
        "c4": (dt.datetime(2025, 6, 1, 10), 42, None),
        "c5": (dt.datetime(2025, 6, 1, 10), 7, None),
    }


def test_bad_bytes_and_mojibake_in_text_are_kept_flagged_and_repaired(tmp_path):
    korean = "서울 3박 4일 여행 일정"
    mojibake = korean.encode("utf-8").decode("latin-1")
    bad_bytes = b"caf\xe9 \xff ok"  # Latin-1 bytes in a UTF-8 database: not UTF-8
    path = _gateway_db(tmp_path / "gw.db", [])
    db = sqlite3.connect(path)
    db.execute(
        "insert into chat_logs values ('k1', '2025-06-01 10:00:00', ?, 'm', ?, 5, ?, null)",
        (mojibake, korean, "Itâ€™s down"),
    )
    db.execute(
        "insert into chat_logs values ('k2', '2025-06-01 10:00:00', 'p', 'm', "
        "cast(? as text), 5, null, null)",
        (bad_bytes,),
    )
    db.commit()
    db.close()
    [r] = extract_all([_source(path)], tmp_path / "data")
    assert r.status == "ok", r.error
    got = {x["id"]: x for x in _landed(tmp_path / "data", "gw", "chat_logs").to_pylist()}
    k1, k2 = got["k1"], got["k2"]
    assert k1["prompt"] == mojibake and k1["response"] == korean  # the source's text, as is
    assert k1["_text_issues"] == "prompt:mojibake,error:mojibake"
    assert json.loads(k1["_text_repaired"]) == {"prompt": korean, "error": "It\u2019s down"}
    assert k1["_text_original_hex"] is None
    assert k2["response"] == bad_bytes.decode("utf-8", errors="replace")
    assert k2["_text_issues"] == "response:invalid_utf8"
    assert json.loads(k2["_text_original_hex"]) == {"response": bad_bytes.hex()}
    assert k2["_text_repaired"] is None


def test_optional_table_missing_is_a_warning_with_an_empty_typed_file(tmp_path):
    system = SYSTEMS["instagram_feed"]
    db = sqlite3.connect(tmp_path / "ig.db")
    for t in system.tables:
        if t.optional:
            continue
        db.execute(f"create table {t.name} ({', '.join(c.name for c in t.columns)})")
    db.close()
    src = Source("ig", "instagram_feed", f"sqlite:///{tmp_path / 'ig.db'}", "UTC")
    [r] = extract_all([src], tmp_path / "data")
    assert r.status == "ok", r.error
    assert any("jobs" in w for w in r.warnings)
    jobs = list(
        (tmp_path / "data" / "landing" / "instagram_feed" / "ig" / "jobs").glob("*.parquet")
    )
    t = pq.read_table(jobs[0])
    assert t.num_rows == 0 and "job_id" in t.column_names


def test_sqlite_query_quotes_identifiers_and_blanks_sensitive_values():
    table = SYSTEMS["text2sql"].table("system_config")
    sql = build_sqlite_query(table, {c.name for c in table.columns})
    assert "password" not in sql
    assert "CASE WHEN is_sensitive THEN NULL ELSE config_value END" in sql
    camel = build_sqlite_query(ML.tables[0], {c.name for c in ML.tables[0].columns})
    assert '"createdAt"' in camel
    # an optional column the source lacks is selected as a typed NULL
    t = Table("x", key=("a",), columns=cols("a:int") + cols("b:text", required=False))
    assert "CAST(NULL AS TEXT)" in build_sqlite_query(t, {"a"})


def test_secret_columns_are_never_allowlisted():
    secrets = {"password_hash", "token_hash", "key_hash", "encrypted_db_password"}
    personal = {"email", "ip_address"}
    for system in SYSTEMS.values():
        for table in system.tables:
            assert not secrets & {c.name for c in table.columns}, (system.name, table.name)
            for c in table.columns:
                if c.name in personal:
                    assert c.pseudonymize and c.landed_name == f"{c.name}_hmac"


def test_pseudonymized_values_are_the_keyed_hmac(tmp_path, monkeypatch):
    import hashlib
    import hmac

    from ingest.pseudonym import ENV, hmac_array, load_key

    monkeypatch.delenv(ENV, raising=False)
    key = load_key(tmp_path)
    assert (tmp_path / "pseudonym.key").stat().st_mode & 0o777 == 0o600
    assert load_key(tmp_path) == key  # generated once, then reused
    got = hmac_array(pa.array(["a@x.io", None, "a@x.io", "203.0.113.9"]), key).to_pylist()
    want = hmac.new(key, b"a@x.io", hashlib.sha256).hexdigest()
    assert got == [want, None, want, hmac.new(key, b"203.0.113.9", hashlib.sha256).hexdigest()]
    monkeypatch.setenv(ENV, "from-the-environment")
    assert load_key(tmp_path) == b"from-the-environment"


def test_sources_file(tmp_path):
    (tmp_path / "s.toml").write_text(
        '[[source]]\nname = "a"\nsystem = "ml_gateway"\nurl = "sqlite:///rel/a.db"\n'
        '[[source]]\nname = "b"\nsystem = "ai_process_log"\n'
        'url = "postgresql://u:hunter2@db:5432/x"\n'
    )
    a, b = load_sources(tmp_path / "s.toml")
    assert a.url == f"sqlite:///{tmp_path / 'rel' / 'a.db'}"  # relative to the file
    assert a.timezone == "UTC" and b.timezone == "Asia/Seoul"  # system defaults
    assert "hunter2" not in repr(b) and "hunter2" not in b.display_url
    assert redact("postgresql://u:hunter2@db/x") == "postgresql://u:***@db/x"
    (tmp_path / "bad.toml").write_text('[[source]]\nname = "a"\nsystem = "nope"\nurl = "x"\n')
    with pytest.raises(ConfigError, match="unknown system 'nope'"):
        load_sources(tmp_path / "bad.toml")
    (tmp_path / "dup.toml").write_text(
        '[[source]]\nname = "a"\nsystem = "ml_gateway"\nurl = "x"\n' * 2
    )
    with pytest.raises(ConfigError, match="duplicate"):
        load_sources(tmp_path / "dup.toml")
