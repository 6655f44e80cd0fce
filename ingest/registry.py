"""The registry of configured sources: ``$DATA/landing/_sources/sources.parquet``.

Every extract (``python -m warehouse extract``, ``run``, ``nightly``) rewrites it from the
sources file, before extracting and whether or not each source lands, so dbt knows which
sources are configured, not just which have landed: ``marts.source_freshness`` has one
row per configured source, and one that never landed is an error, not an absence.

The freshness thresholds are the source system's (``System.freshness_warn_hours``,
``freshness_error_hours``, with their reasons in ``ingest/systems/<system>.py``).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from ingest.config import Source
from ingest.systems import SYSTEMS

REGISTRY_DIR = "_sources"
REGISTRY_FILE = "sources.parquet"

SCHEMA = pa.schema(
    [
        ("source_name", pa.string()),
        ("source_system", pa.string()),
        ("source_timezone", pa.string()),
        ("freshness_warn_hours", pa.float64()),
        ("freshness_error_hours", pa.float64()),
        # token limits per user (sources.toml `quota`, else the system's default; NULL:
        # no limit on that window), read by marts.quota_breaches
        ("quota_hour_tokens", pa.int64()),
        ("quota_day_tokens", pa.int64()),
        ("quota_month_tokens", pa.int64()),
        ("configured_at", pa.timestamp("us", tz="UTC")),  # when this file was written
    ]
)


def registry_path(data_dir: Path) -> Path:
    return data_dir / "landing" / REGISTRY_DIR / REGISTRY_FILE


def write_registry(
    data_dir: Path, sources: Iterable[Source], now: dt.datetime | None = None
) -> Path:
    """Replace the registry with ``sources`` (atomically: a temporary file, renamed)."""
    now = now or dt.datetime.now(dt.UTC)
    rows = [
        {
            "source_name": s.name,
            "source_system": s.system,
            "source_timezone": s.timezone,
            "freshness_warn_hours": float(SYSTEMS[s.system].freshness_warn_hours),
            "freshness_error_hours": float(SYSTEMS[s.system].freshness_error_hours),
            "quota_hour_tokens": s.quota_limit("hour"),
            "quota_day_tokens": s.quota_limit("day"),
            "quota_month_tokens": s.quota_limit("month"),
            "configured_at": now,
        }
        for s in sources
    ]
    return _write(registry_path(data_dir), pa.Table.from_pylist(rows, schema=SCHEMA))


def ensure_registry(data_dir: Path) -> None:
    """An empty, typed registry when there is none yet, so dbt's source always resolves;
    one written before a column was added gains it (NULL) until the next extract."""
    path = registry_path(data_dir)
    if not path.exists():
        _write(path, SCHEMA.empty_table())
        return
    old = pq.read_table(path)
    if old.schema.equals(SCHEMA):
        return
    columns = [
        old[f.name].cast(f.type) if f.name in old.column_names else pa.nulls(old.num_rows, f.type)
        for f in SCHEMA
    ]
    _write(path, pa.Table.from_arrays(columns, schema=SCHEMA))


def _write(path: Path, table: pa.Table) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    pq.write_table(table, tmp)
    with open(tmp, "rb") as f:
        os.fsync(f.fileno())
    os.replace(tmp, path)
    return path


def stale_sources(data_dir: Path) -> list[str]:
    """One line per configured source past its error threshold or never loaded, read
    from the builder's ``marts.source_freshness`` after a build (empty when that table
    does not exist yet)."""
    import duckdb

    from warehouse.paths import engine
    from warehouse.publish import BUILDER_DB

    query = (
        "select source_name, source_system, freshness_status, "
        "round(hours_since_load, 1), freshness_error_hours from {table} "
        "where freshness_status in ('error', 'never_loaded') order by source_name"
    )
    if engine() == "spark":  # the Spark build's mart, a Parquet table (docs/spark.md)
        folder = data_dir / "spark-warehouse" / "marts.db" / "source_freshness"
        if not any(folder.glob("*.parquet")):
            return []
        with duckdb.connect() as con:
            table = "read_parquet('" + str(folder / "*.parquet").replace("'", "''") + "')"
            rows = con.execute(query.format(table=table)).fetchall()
        return _stale_lines(rows)
    path = data_dir / BUILDER_DB
    if not path.exists():
        return []
    with duckdb.connect(str(path), read_only=True) as con:
        exists = con.execute(
            "select count(*) from information_schema.tables "
            "where table_schema = 'marts' and table_name = 'source_freshness'"
        ).fetchone()
        if not exists or not exists[0]:
            return []
        rows = con.execute(query.format(table="marts.source_freshness")).fetchall()
    return _stale_lines(rows)


def _stale_lines(rows: list) -> list[str]:
    return [
        f"stale source {name} ({system}): "
        + (
            "no call row ever landed"
            if status == "never_loaded"
            else f"last call row landed {hours} h ago"
        )
        + f" (error after {limit} h)"
        for name, system, status, hours, limit in rows
    ]
