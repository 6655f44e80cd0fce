"""Extract: source database → Arrow → Parquet landing zone, one folder per source and table.

Layout (all under ``$WAREHOUSE_DATA_DIR/landing``)::

    <system>/<source_name>/<table>/<load_id>.parquet

Every file carries the allowlisted columns of its table (system module) plus the load
metadata ``_source_name``, ``_source_timezone``, ``_load_id`` and ``_loaded_at``. A file
is written under a ``.tmp`` name and renamed into place, so a reader never sees half a
file; dbt keeps, per source key, the row of the newest load.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import secrets
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import sqlglot
from sqlglot import exp

from ingest.config import Source
from ingest.systems import SYSTEMS, Kind, Table

SENTINEL = "__sentinel"
ROW_GROUP_ROWS = 1_000_000
META_FIELDS = [
    pa.field("_source_name", pa.string()),
    pa.field("_source_timezone", pa.string()),
    pa.field("_load_id", pa.string()),
    pa.field("_loaded_at", pa.timestamp("us", tz="UTC")),
]

# SQLite has no column types to speak of; each kind is read as one storage class.
_SQLITE_CAST = {
    Kind.INT: "INTEGER",
    Kind.BOOL: "INTEGER",
    Kind.FLOAT: "REAL",
    Kind.TEXT: "TEXT",
    Kind.JSON: "TEXT",
    Kind.UUID: "TEXT",
    Kind.TS: "TEXT",
    Kind.TSTZ: "TEXT",
}
_SQLITE_SENTINEL = {"INTEGER": exp.Literal.number(0), "REAL": exp.Literal.number("0.0")}


class SourceError(Exception):
    """Stops one source; the message names the source (and table and column if known)."""


@dataclass
class TableResult:
    table: str
    rows: int
    seconds: float
    status: str = "ok"  # ok | missing (optional table absent)


@dataclass
class SourceResult:
    source: Source
    status: str = "ok"  # ok | failed
    error: str | None = None
    warnings: list[str] = field(default_factory=list)
    tables: list[TableResult] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def rows(self) -> int:
        return sum(t.rows for t in self.tables)


def new_load_id(now: dt.datetime) -> str:
    return now.strftime("%Y%m%dT%H%M%S%fZ") + "-" + secrets.token_hex(3)


def landing_dir(data_dir: Path) -> Path:
    return data_dir / "landing"


def table_dir(data_dir: Path, source: Source, table: str) -> Path:
    return landing_dir(data_dir) / source.system / source.name / table


# --------------------------------------------------------------------------- SQL


def build_sqlite_query(table: Table, present: set[str]) -> str:
    """SELECT of the allowlisted columns, cast to one storage class each.

    The ADBC SQLite driver infers each column's Arrow type from the first batch, and fails
    when a column is NULL there and typed later. A typed sentinel row goes first (and is
    dropped after the fetch) so the types are fixed by us, not by the data.
    """
    typed, sentinel = [], []
    for col in table.columns:
        target = _SQLITE_CAST[col.kind]
        if col.name in present:
            value = (
                sqlglot.parse_one(col.expression, dialect="sqlite")
                if col.expression
                else exp.column(col.name, quoted=True)
            )
        else:  # optional column the source does not have
            value = exp.null()
        typed.append(exp.cast(value, target).as_(col.name, quoted=True))
        sentinel.append(
            exp.cast(_SQLITE_SENTINEL.get(target, exp.Literal.string("")), target).as_(
                col.name, quoted=True
            )
        )
    first = exp.select(*sentinel, exp.Literal.number(1).as_(SENTINEL))
    rows = exp.select(*typed, exp.Literal.number(0).as_(SENTINEL)).from_(
        exp.table_(table.name, quoted=True)
    )
    union = exp.union(first, rows, distinct=False)
    return exp.select("*").from_(union.subquery("src")).sql(dialect="sqlite")


# --------------------------------------------------------------------------- readers


class SqliteReader:
    def __init__(self, source: Source):
        import adbc_driver_sqlite.dbapi as adbc_sqlite

        path = source.sqlite_path()
        if not path.exists():
            raise SourceError(f"source {source.name}: database file not found: {path}")
        try:
            self.conn = adbc_sqlite.connect(f"file:{path}?mode=ro")
        except Exception as e:  # driver errors carry no secrets for a file path
            raise SourceError(f"source {source.name}: cannot open {path}: {e}") from e
        self.source = source

    def tables(self) -> set[str]:
        with contextlib.closing(self.conn.cursor()) as cur:
            cur.execute("select name from sqlite_master where type in ('table', 'view')")
            return {r[0] for r in cur.fetchall()}

    def columns(self, table: str) -> set[str]:
        with contextlib.closing(self.conn.cursor()) as cur:
            cur.execute("select name from pragma_table_info(?)", (table,))
            return {r[0] for r in cur.fetchall()}

    def batches(self, table: Table, present: set[str]) -> Iterator[pa.RecordBatch]:
        query = build_sqlite_query(table, present)
        cur = self.conn.cursor()
        try:
            cur.adbc_statement.set_options(**{"adbc.sqlite.query.batch_rows": "65536"})
            cur.execute(query)
            reader = cur.fetch_record_batch()
            yield from reader
        finally:
            cur.close()

    def close(self) -> None:
        self.conn.close()


def open_reader(source: Source) -> SqliteReader:
    if source.scheme == "sqlite":
        return SqliteReader(source)
    raise SourceError(
        f"source {source.name}: unsupported url scheme {source.scheme!r} "
        f"({source.display_url}); supported: sqlite"
    )


# --------------------------------------------------------------------------- conversion


def to_landing(batch: pa.RecordBatch, table: Table, source: Source) -> pa.Table:
    """Drop the sentinel and cast every column to its kind's Arrow type."""
    t = pa.Table.from_batches([batch])
    if SENTINEL in t.column_names:
        t = t.filter(pa.compute.equal(t[SENTINEL], 0)).drop_columns([SENTINEL])
    arrays = []
    for col in table.columns:
        arr = t[col.name]
        target = col.kind.arrow_type
        if arr.type != target:
            try:
                if col.kind is Kind.BOOL and pa.types.is_integer(arr.type):
                    arr = pa.compute.not_equal(arr, 0)
                else:
                    arr = arr.cast(target)
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as e:
                raise SourceError(
                    f"source {source.name}: table {table.name}, column {col.name}: "
                    f"cannot read as {col.kind.value}: {e}"
                ) from e
        arrays.append(arr)
    return pa.Table.from_arrays(arrays, schema=table.schema)


def with_meta(t: pa.Table, source: Source, load_id: str, loaded_at: dt.datetime) -> pa.Table:
    n = t.num_rows
    values = [source.name, source.timezone, load_id, loaded_at]
    for f, v in zip(META_FIELDS, values, strict=True):
        t = t.append_column(f, pa.array([v] * n, type=f.type) if n else pa.array([], f.type))
    return t


# --------------------------------------------------------------------------- progress


class Progress:
    """Rows and elapsed time per table on a terminal; silent otherwise."""

    def __init__(self, stream=None):
        self.stream = stream or sys.stderr
        self.live = hasattr(self.stream, "isatty") and self.stream.isatty()

    def update(self, label: str, rows: int, started: float) -> None:
        if self.live:
            self.stream.write(f"\r  {label}: {rows:,} rows, {time.monotonic() - started:.1f}s")
            self.stream.flush()

    def done(self) -> None:
        if self.live:
            self.stream.write("\n")
            self.stream.flush()


# --------------------------------------------------------------------------- extraction


def _write_table(
    reader: SqliteReader,
    table: Table,
    present: set[str],
    source: Source,
    target: Path,
    load_id: str,
    loaded_at: dt.datetime,
    progress: Progress,
) -> int:
    schema = table.schema
    for f in META_FIELDS:
        schema = schema.append(f)
    target.parent.mkdir(parents=True, exist_ok=True)
    rows = 0
    started = time.monotonic()
    label = f"{source.name}.{table.name}"
    pending: list[pa.Table] = []
    pending_rows = 0
    with pq.ParquetWriter(target, schema, compression="zstd") as writer:
        for batch in reader.batches(table, present):
            part = with_meta(to_landing(batch, table, source), source, load_id, loaded_at)
            pending.append(part)
            pending_rows += part.num_rows
            rows += part.num_rows
            if pending_rows >= ROW_GROUP_ROWS:
                writer.write_table(pa.concat_tables(pending), row_group_size=ROW_GROUP_ROWS)
                pending, pending_rows = [], 0
            progress.update(label, rows, started)
        if pending:
            writer.write_table(pa.concat_tables(pending), row_group_size=ROW_GROUP_ROWS)
        if rows == 0:
            writer.write_table(schema.empty_table())
    progress.update(label, rows, started)
    progress.done()
    return rows


def extract_source(
    source: Source, data_dir: Path, load_id: str, loaded_at: dt.datetime, progress: Progress
) -> SourceResult:
    """Land every table of one source. All of its files appear, or none do."""
    result = SourceResult(source)
    started = time.monotonic()
    system = SYSTEMS[source.system]
    written: list[tuple[Path, Path]] = []  # (tmp, final)
    reader = None
    try:
        reader = open_reader(source)
        available = reader.tables()
        plan: list[tuple[Table, set[str] | None]] = []
        for table in system.tables:
            if table.name not in available:
                if table.optional:
                    result.warnings.append(
                        f"source {source.name}: optional table {table.name} not found"
                    )
                    plan.append((table, None))
                    continue
                raise SourceError(f"source {source.name}: required table {table.name} not found")
            present = reader.columns(table.name)
            for col in table.columns:
                if col.required and col.name not in present:
                    raise SourceError(
                        f"source {source.name}: table {table.name}: "
                        f"required column {col.name} not found"
                    )
            plan.append((table, present))
        for table, present in plan:
            final = table_dir(data_dir, source, table.name) / f"{load_id}.parquet"
            tmp = final.with_name(final.name + ".tmp")
            t0 = time.monotonic()
            if present is None:
                schema = table.schema
                for f in META_FIELDS:
                    schema = schema.append(f)
                tmp.parent.mkdir(parents=True, exist_ok=True)
                pq.write_table(schema.empty_table(), tmp, compression="zstd")
                rows, status = 0, "missing"
            else:
                rows = _write_table(
                    reader, table, present, source, tmp, load_id, loaded_at, progress
                )
                status = "ok"
            written.append((tmp, final))
            result.tables.append(TableResult(table.name, rows, time.monotonic() - t0, status))
        # Everything of this source is on disk: publish it, then retire older loads.
        for tmp, final in written:
            _fsync(tmp)
            os.replace(tmp, final)
        for _tmp, final in written:
            for old in final.parent.glob("*.parquet"):
                if old != final:
                    old.unlink()
    except SourceError as e:
        result.status, result.error = "failed", str(e)
    except Exception as e:  # a driver error: keep it to one line, never a URL
        msg = str(e).splitlines()[0] if str(e) else type(e).__name__
        result.status = "failed"
        result.error = f"source {source.name}: {type(e).__name__}: {msg}"
    finally:
        if reader is not None:
            reader.close()
        if result.status != "ok":
            for tmp, _final in written:
                tmp.unlink(missing_ok=True)
            for table in system.tables:
                for tmp in table_dir(data_dir, source, table.name).glob("*.tmp"):
                    tmp.unlink(missing_ok=True)
    result.seconds = time.monotonic() - started
    return result


def _fsync(path: Path) -> None:
    with open(path, "rb") as f:
        os.fsync(f.fileno())


def extract_all(
    sources: list[Source], data_dir: Path, progress: Progress | None = None
) -> list[SourceResult]:
    progress = progress or Progress()
    loaded_at = dt.datetime.now(dt.UTC).replace(microsecond=0)
    load_id = new_load_id(loaded_at)
    return [extract_source(s, data_dir, load_id, loaded_at, progress) for s in sources]


def format_summary(results: list[SourceResult]) -> str:
    head = f"{'source':<28} {'system':<16} {'tables':>6} {'rows':>12} {'status':<8} {'time':>7}"
    lines = [head, "-" * len(head)]
    for r in results:
        lines.append(
            f"{r.source.name:<28} {r.source.system:<16} {len(r.tables):>6} {r.rows:>12,} "
            f"{r.status:<8} {r.seconds:>6.1f}s"
        )
    for r in results:
        for w in r.warnings:
            lines.append(f"warning: {w}")
        if r.error:
            lines.append(f"error: {r.error}")
    return "\n".join(lines)
