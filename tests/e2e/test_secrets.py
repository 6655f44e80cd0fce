"""Secrets never land (docs/warehouse.md): plant unique markers in every secret column and known
emails and IP addresses in the sources, ingest and build, then scan every string column
of every Parquet file and of every table in the DuckDB file."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from tests.support.cli import cli, demo_env

# table -> secret columns (text2sql, seed 002)
SECRET_COLUMNS = {
    "users": ["password_hash"],
    "refresh_tokens": ["token_hash"],
    "api_keys": ["key_hash"],
    "database_connections": ["encrypted_db_password"],
}
PERSONAL = {  # (database, table) -> columns
    ("text2sql", "users"): ["email"],
    ("text2sql", "user_sessions"): ["ip_address"],
    ("text2sql", "events"): ["ip_address"],
    ("text2sql", "audit_logs"): ["ip_address"],
    ("trip_planner", "users"): ["email"],
}


def _plant(demo: Path) -> tuple[set[str], set[str]]:
    """Markers (searched as substrings) and every secret/personal value (searched whole)."""
    markers, values = set(), set()
    db = sqlite3.connect(demo / "text2sql.db")
    for table, columns in SECRET_COLUMNS.items():
        for col in columns:
            marker = f"MARKER-{table}-{col}-7f3a"
            first = f'(select min(rowid) from "{table}")'
            db.execute(f'update "{table}" set "{col}" = ? where rowid = {first}', (marker,))
            markers.add(marker)
            values |= {r[0] for r in db.execute(f'select "{col}" from "{table}"') if r[0]}
    marker = "MARKER-sensitive-config-9c1e"
    db.execute(
        "update system_config set config_value = ? where rowid = "
        "(select min(rowid) from system_config where is_sensitive)",
        (f'"{marker}"',),
    )
    markers.add(marker)
    values |= {
        r[0] for r in db.execute("select config_value from system_config where is_sensitive")
    }
    db.commit()
    db.close()
    for (system, table), columns in PERSONAL.items():
        db = sqlite3.connect(demo / f"{system}.db")
        for col in columns:
            planted = f"planted.{system}.{table}@example.org" if col == "email" else "198.51.100.77"
            first = f'(select min(rowid) from "{table}")'
            db.execute(f'update "{table}" set "{col}" = ? where rowid = {first}', (planted,))
            markers.add(planted)
            values |= {r[0] for r in db.execute(f'select "{col}" from "{table}"') if r[0]}
        db.commit()
        db.close()
    assert len(values) > 50  # the demo fills these columns: the scan has something to find
    return markers, values


def _hits(arr: pa.Array, markers: set[str], values: set[str]) -> list[str]:
    arr = arr.cast(pa.string())
    found = [m for m in markers if pc.any(pc.match_substring(arr, m)).as_py()]
    exact = pc.is_in(arr, value_set=pa.array(sorted(values), type=pa.string()))
    if pc.any(exact).as_py():
        found.append(f"{pc.sum(exact).as_py()} whole secret values")
    return found


def test_no_secret_or_clear_personal_data_lands(tmp_path):
    data = tmp_path / "wh"
    env = demo_env(data)
    cli(env, "demo", "--days", "2", "--calls-per-day", "200", "--end-date", "2025-06-24",
        timeout=None)  # fmt: skip
    markers, values = _plant(data / "demo")
    cli(env, "extract", timeout=None)
    cli(env, "build", timeout=None)

    parquet_files = [p for p in (data / "landing").rglob("*.parquet")]
    assert len(parquet_files) > 20
    scanned = 0
    for path in parquet_files:
        t = pq.read_table(path)
        for name in t.column_names:
            if pa.types.is_string(t.schema.field(name).type) or pa.types.is_large_string(
                t.schema.field(name).type
            ):
                scanned += 1
                assert not _hits(t[name].combine_chunks(), markers, values), (path, name)
    assert scanned > 100

    # every layer dbt wrote (readers' marts are the Parquet files scanned above)
    with duckdb.connect(str(data / "builder.duckdb"), read_only=True) as con:
        tables = con.sql(
            "select table_schema, table_name from information_schema.tables"
        ).fetchall()
        assert len(tables) > 20
        for schema, table in tables:
            cols = con.execute(
                "select column_name from information_schema.columns where table_schema = ? "
                "and table_name = ? and data_type = 'VARCHAR'",
                [schema, table],
            ).fetchall()
            for (col,) in cols:
                arr = con.sql(f'select "{col}" from "{schema}"."{table}"').arrow()
                arr = arr.read_all() if hasattr(arr, "read_all") else arr
                assert not _hits(arr[col].combine_chunks(), markers, values), (schema, table, col)

    # the hashes are there instead, and joinable: same email, same hash in both systems
    landed = pq.read_table(data / "landing" / "text2sql" / "demo_text2sql" / "users")
    assert "email" not in landed.column_names and landed["email_hmac"].null_count == 0
    assert all(len(h) == 64 for h in landed["email_hmac"].to_pylist())
    assert not [f for f in data.rglob("*") if f.is_file() and f.name == "pseudonym.key"
                and "landing" in f.parts]  # fmt: skip
