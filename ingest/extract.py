"""Extract: source database → Arrow → Parquet landing zone (layout: ingest/landing.py).

One run (``extract_all``) gives every source the same load id and load time; what a
source's extract needs is one frozen ``Extraction`` (source, data dir, load id, loaded-at,
pseudonymization key, progress, full refresh), passed down instead of parameter lists.
The modules go one way: extract → readers (a source's rows as Arrow batches) → cast (the
allowlisted columns as their kinds) ← landing (versions, cursors, publishing).

Per source table, the system module decides how much to read:
- a cursor column (an autoincrement id, or a timestamp re-read over the source's
  look-back window for late or updated rows): only rows past the cursor, and of those,
  only the rows that are new or differ from what already landed;
- no cursor (small tables): the whole table, replacing the previous copy when it changed.
``--full-refresh`` reads everything again and replaces all of a source's files.

A source's tables are published together (one symlink swap) with the cursors they reach,
so a run killed at any point leaves the previous state, and the next run finishes the job.
dbt keeps, per source key, the row of the newest load.
"""

from __future__ import annotations

import concurrent.futures
import datetime as dt
import functools
import os
import secrets
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from ingest import landing, models_resolved, pseudonym
from ingest.cast import cast_table
from ingest.config import Source
from ingest.landing import META_FIELDS, SourceLanding, with_meta
from ingest.readers import (
    AppendingReader,
    Reader,
    Since,
    SourceError,
    build_sqlite_query,
    open_reader,
)
from ingest.systems import SYSTEMS, Kind, System, Table, systems_holding

__all__ = [
    "META_FIELDS",
    "Extraction",
    "Progress",
    "SourceError",
    "SourceResult",
    "TableResult",
    "build_sqlite_query",
    "extract_all",
    "extract_source",
    "format_summary",
]

ROW_GROUP_ROWS = 1_000_000


@dataclass
class TableResult:
    table: str
    rows: int  # rows that landed in this run (new or changed)
    read: int  # rows read from the source
    seconds: float
    status: str = "ok"  # ok | unchanged | missing (optional table absent)


@dataclass
class SourceResult:
    source: Source
    status: str = "ok"  # ok | failed
    error: str | None = None
    warnings: list[str] = field(default_factory=list)
    tables: list[TableResult] = field(default_factory=list)
    seconds: float = 0.0
    load_id: str | None = None
    started_at: dt.datetime | None = None  # wall-clock span of this source's extract
    finished_at: dt.datetime | None = None

    @property
    def rows(self) -> int:
        return sum(t.rows for t in self.tables)


def new_load_id(now: dt.datetime) -> str:
    return now.strftime("%Y%m%dT%H%M%S%fZ") + "-" + secrets.token_hex(3)


@dataclass(frozen=True)
class Extraction:
    """One source's extract in one run: everything fixed before its first row is read."""

    source: Source
    data_dir: Path
    load_id: str  # shared by every source of the run; names each file it lands
    loaded_at: dt.datetime  # UTC, shared likewise; dbt keeps a key's newest load
    key: bytes  # pseudonymization key (ingest/pseudonym.py)
    progress: Progress
    full_refresh: bool = False  # read everything again, replace every file

    @functools.cached_property
    def site(self) -> SourceLanding:
        """The source's place in the landing zone: its current version, the next one."""
        return SourceLanding(self.data_dir, self.source)

    def label(self, table: Table) -> str:
        return f"{self.source.name}.{table.name}"


# --------------------------------------------------------------------------- progress


class Progress:
    """Rows and elapsed time per table on a terminal; silent otherwise."""

    def __init__(self, stream=None):
        self.stream = stream or sys.stderr
        self.live = hasattr(self.stream, "isatty") and self.stream.isatty()
        self._lock = threading.Lock()  # sources are extracted in parallel threads

    def update(self, label: str, rows: int, started: float) -> None:
        if self.live:
            with self._lock:
                line = f"\r  {label}: {rows:,} rows, {time.monotonic() - started:.1f}s"
                self.stream.write(f"{line:<72}")
                self.stream.flush()

    def done(self) -> None:
        if self.live:
            with self._lock:
                self.stream.write("\n")
                self.stream.flush()


# --------------------------------------------------------------------------- fault points


def _fault(point: str) -> None:
    """Test hook: WAREHOUSE_FAULT=<point> kills the process there (crash-safety tests)."""
    if os.environ.get("WAREHOUSE_FAULT") == point:
        import signal

        os.kill(os.getpid(), signal.SIGKILL)


# --------------------------------------------------------------------------- cursors


def _cursor_json(value) -> object:
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return value


def _cursor_value(kind: Kind, raw: int | str) -> int | dt.datetime:
    """A cursor as _state.json holds it (an id, or a timestamp's ISO text) → its value."""
    if kind is Kind.INT:
        return int(raw)
    return dt.datetime.fromisoformat(str(raw))


def _since(x: Extraction, table: Table, state: dict) -> Since | None:
    """The rows to read past the cursor the current version reached; None: all of them."""
    if x.full_refresh:
        return None
    entry = state.get("tables", {}).get(table.name)
    if not table.cursor or not entry or entry.get("cursor") is None:
        return None
    kind = table.column(table.cursor).kind
    value = _cursor_value(kind, entry["cursor"])
    if kind is Kind.INT:
        return Since(table.cursor, kind, value, inclusive=False)
    assert isinstance(value, dt.datetime)
    return Since(
        table.cursor, kind, value - dt.timedelta(hours=x.source.lookback_hours), inclusive=True
    )


# --------------------------------------------------------------------------- one table


def _read_to_file(
    x: Extraction,
    reader: Reader,
    table: Table,
    present: set[str],
    since: Since | None,
    target: Path,
) -> tuple[int, Any]:
    """Stream the table into `target`; return (rows read, max cursor value)."""
    schema = landing.landed_schema(table)
    rows = 0
    best: Any = None  # an int or a datetime, as Arrow gives it
    started = time.monotonic()
    label = x.label(table)
    pending: list[pa.Table] = []
    pending_rows = 0
    with pq.ParquetWriter(target, schema, compression="zstd") as writer:
        for batch in reader.batches(table, present, since):
            part = with_meta(cast_table(batch, table, x.key), x.source, x.load_id, x.loaded_at)
            if table.cursor and part.num_rows:
                m = pc.max(part[table.cursor]).as_py()
                if m is not None and (best is None or m > best):
                    best = m
            pending.append(part)
            pending_rows += part.num_rows
            rows += part.num_rows
            if pending_rows >= ROW_GROUP_ROWS:
                writer.write_table(pa.concat_tables(pending), row_group_size=ROW_GROUP_ROWS)
                pending, pending_rows = [], 0
                _fault("mid-write")
            x.progress.update(label, rows, started)
        if pending:
            writer.write_table(pa.concat_tables(pending), row_group_size=ROW_GROUP_ROWS)
            _fault("mid-write")
        if rows == 0:
            writer.write_table(schema.empty_table())
    x.progress.update(label, rows, started)
    x.progress.done()
    return rows, best


def _extract_table(
    x: Extraction,
    reader: Reader,
    table: Table,
    present: set[str] | None,
    new: Path,
    state: dict,
) -> tuple[TableResult, dict]:
    """Land one table into the version `new` being built beside the current one (whose
    cursors are `state`); return its result and its entry for the new version's state.
    `present`: the table's columns at the source, None for a missing optional table."""
    t0 = time.monotonic()
    (new / table.name).mkdir(parents=True, exist_ok=True)
    final = new / table.name / f"{x.load_id}.parquet"
    previous = [] if x.full_refresh else x.site.files(table.name)
    old_entry = state.get("tables", {}).get(table.name, {})
    if present is None:  # optional table missing: an empty, typed file keeps readers simple
        pq.write_table(landing.landed_schema(table).empty_table(), final, compression="zstd")
        return TableResult(table.name, 0, 0, time.monotonic() - t0, "missing"), {}
    # a reader that keeps its own place in append-only files (OTLP exports: ingest/otlp.py)
    appending = reader if isinstance(reader, AppendingReader) else None
    if appending is not None:
        appending.resume(table.name, None if x.full_refresh else old_entry.get("files"))
    since = _since(x, table, state)
    raw = new / table.name / f".{x.load_id}.raw.parquet"
    read, best = _read_to_file(x, reader, table, present, since, raw)
    _fault("after-read")
    entry: dict = {}
    if appending is not None:
        # only what the files gained since their marks was read: keep every landed file,
        # and land the rows read that differ from what landed (a rewritten file is read
        # again from its start)
        entry = {"files": appending.file_marks(table.name)}
        SourceLanding.keep(previous, new, table.name)
        if previous:
            landed = landing.changed_rows(raw, final, table, previous, None)
            raw.unlink()
        else:
            os.replace(raw, final)
            landed = read
        if landed == 0:
            final.unlink()
        status = "ok"
    elif table.cursor:
        kind = table.column(table.cursor).kind
        old = old_entry.get("cursor") if since is not None else None
        old_value = _cursor_value(kind, old) if old is not None else None
        if best is not None and kind is Kind.TS and isinstance(best, dt.datetime):
            best = best.replace(tzinfo=None)
        cursor = best if old_value is None else old_value if best is None else max(old_value, best)
        entry = {"cursor": _cursor_json(cursor), "kind": kind.value}
        SourceLanding.keep(previous, new, table.name)
        window = None
        if since is not None and since.kind is not Kind.INT:
            window = (since.column, since.value)
        if previous:
            landed = landing.changed_rows(raw, final, table, previous, window)
            raw.unlink()
        else:  # nothing landed before: every row read is new, no second pass
            os.replace(raw, final)
            landed = read
        if landed == 0:
            final.unlink()
        status = "ok"
    else:
        if not x.full_refresh and landing.same_rows(raw, previous, table):
            SourceLanding.keep(previous, new, table.name)
            raw.unlink()
            landed, status = 0, "unchanged"
        else:
            os.replace(raw, final)
            landed, status = read, "ok"
    return TableResult(table.name, landed, read, time.monotonic() - t0, status), entry


# --------------------------------------------------------------------------- one source


def _check_tables(source: Source, system: System, available: set[str], place: str) -> None:
    """Every required table is there; if not, say which, and which system the database
    looks like when it holds another system's tables (a wrong ``system =``)."""
    required = [t.name for t in system.tables if not t.optional]
    missing = [t for t in required if t not in available]
    if not missing:
        return
    head = f"source {source.name} (system {system.name}): the {place}"
    if len(missing) == len(required):
        message = f"{head} has none of {system.name}'s tables ({', '.join(required)})"
    else:
        plural = "s" if len(missing) > 1 else ""
        message = f"{head} lacks {system.name}'s table{plural} {', '.join(missing)}"
    others = [s for s in systems_holding(available) if s != system.name]
    if others:
        copy = "an export" if place == "folder" else "a database"
        message += f'; it looks like {copy} of {others[0]} (set system = "{others[0]}")'
    elif place == "folder":
        message += "; it should hold one file per table: <table>.parquet, .csv or .jsonl"
    elif not available:
        message += "; the database has no tables at all"
    raise SourceError(message)


def extract_source(x: Extraction) -> SourceResult:
    """Land every table of one source: all of them with their cursors, or nothing."""
    source = x.source
    result = SourceResult(source, load_id=x.load_id, started_at=dt.datetime.now(dt.UTC))
    started = time.monotonic()
    system = SYSTEMS[source.system]
    site = x.site
    reader: Reader | None = None
    new = None
    try:
        reader = open_reader(source)
        available = reader.tables()
        _check_tables(source, system, available, reader.place)
        plan: list[tuple[Table, set[str] | None]] = []
        for table in system.tables:
            if table.name not in available:
                result.warnings.append(
                    f"source {source.name}: optional table {table.name} not found"
                )
                plan.append((table, None))
                continue
            columns = reader.columns(table.name)
            missing = [c.name for c in table.columns if c.required and c.name not in columns]
            if missing:
                raise SourceError(
                    f"source {source.name} (system {system.name}): table {table.name}: "
                    f"required column{'s' if len(missing) > 1 else ''} "
                    f"{', '.join(missing)} not found"
                )
            plan.append((table, columns))
        state = site.state()
        new = site.begin(x.load_id)
        tables_state: dict = {}
        for table, present in plan:
            res, entry = _extract_table(x, reader, table, present, new, state)
            result.tables.append(res)
            if entry:
                tables_state[table.name] = entry
        _fault("before-publish")
        previous_version = site.current()
        site.publish(
            new,
            {
                "source": source.name,
                "system": source.system,
                "load_id": x.load_id,
                "loaded_at": x.loaded_at.isoformat(),
                "tables": tables_state,
            },
        )
        new = None
        _fault("after-publish")
        site.prune(previous_version)
    except SourceError as e:
        result.status, result.error = "failed", str(e)
    except Exception as e:  # a driver error: one line, and never a password
        clean = getattr(reader, "clean", None)
        msg = clean(e) if clean else (" ".join(str(e).split()) or type(e).__name__)
        result.status = "failed"
        result.error = f"source {source.name}: {type(e).__name__}: {msg}"
    finally:
        if reader is not None:
            reader.close()
        if new is not None:
            site.clean_stale()
    result.seconds = time.monotonic() - started
    result.finished_at = dt.datetime.now(dt.UTC)
    return result


def extract_all(
    sources: list[Source],
    data_dir: Path,
    progress: Progress | None = None,
    full_refresh: bool = False,
) -> list[SourceResult]:
    progress = progress or Progress()
    landing.ensure_placeholders(data_dir)
    key = pseudonym.load_key(data_dir)
    loaded_at = dt.datetime.now(dt.UTC)
    load_id = new_load_id(loaded_at)

    def one(s: Source) -> SourceResult:
        return extract_source(
            Extraction(s, data_dir, load_id, loaded_at, key, progress, full_refresh)
        )

    workers = _workers(len(sources))
    if workers <= 1:
        results = [one(s) for s in sources]
    else:
        # Sources are independent (each lands and publishes on its own), and the heavy
        # parts (the ADBC read, Arrow casts, Parquet and DuckDB writes) release the GIL:
        # threads run them side by side. A fault point still kills the whole process.
        with concurrent.futures.ThreadPoolExecutor(workers, thread_name_prefix="extract") as pool:
            results = list(pool.map(one, sources))
    # the raw -> canonical model mapping of what is landed now, read by dbt on both engines
    models_resolved.write(data_dir)
    return results


def _workers(n_sources: int) -> int:
    """WAREHOUSE_EXTRACT_WORKERS, else one per core (at most one per source)."""
    raw = os.environ.get("WAREHOUSE_EXTRACT_WORKERS")
    wanted = int(raw) if raw else (os.cpu_count() or 1)
    return max(1, min(wanted, n_sources))


def format_summary(results: list[SourceResult]) -> str:
    head = (
        f"{'source':<28} {'system':<16} {'tables':>6} {'rows read':>12} {'rows landed':>12} "
        f"{'status':<8} {'time':>7}"
    )
    lines = [head, "-" * len(head)]
    for r in results:
        read = sum(t.read for t in r.tables)
        lines.append(
            f"{r.source.name:<28} {r.source.system:<16} {len(r.tables):>6} {read:>12,} "
            f"{r.rows:>12,} {r.status:<8} {r.seconds:>6.1f}s"
        )
    for r in results:
        for w in r.warnings:
            lines.append(f"warning: {w}")
        if r.error:
            lines.append(f"error: {r.error}")
    return "\n".join(lines)
