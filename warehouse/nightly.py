"""The nightly refresh (``python -m warehouse nightly``, ``make nightly``).

Steps, in order, each run even when an earlier one failed (so the record is complete):
incremental extract of every source, incremental ``dbt build`` (its tests include the
freshness of every configured source, ``marts.source_freshness``), the notebook reports.
The exit status is non-zero when a step or a source failed; what failed keeps its last
good state (the landing zone keeps the previous version of a failed source; dbt keeps a
model's previous table when its build fails).

Two refreshes never run at once: an exclusive ``flock`` on ``$DATA/nightly.lock``.
The kernel releases the lock when its holder dies, even by SIGKILL, so a lock left by
a killed run is never stale. The second refresh exits with a message (or waits, with
``--wait``).

Every refresh writes one Parquet file to ``$DATA/runlog/`` (written under a temporary
name, fsynced, renamed): one row for the refresh, one per step and one per source. It is
written before the notebook reports (status so far), so that the reports show this
refresh, and replaced at the end with the final status. dbt reads the files as
``marts.refresh_runs`` (a view).
"""

from __future__ import annotations

import datetime as dt
import errno
import fcntl
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from ingest import registry
from ingest.config import Source
from ingest.extract import Progress, SourceResult, extract_all, format_summary
from ingest.landing import reconcile_sources
from warehouse import dbt_runner

LOCK_NAME = "nightly.lock"
RUNLOG_DIR = "runlog"
EXIT_LOCKED = 75  # EX_TEMPFAIL: another refresh holds the lock; try again later

RUNLOG_SCHEMA = pa.schema(
    [
        ("refresh_id", pa.string()),
        ("scope", pa.string()),  # refresh | source
        ("source_name", pa.string()),  # NULL on the refresh row
        ("source_system", pa.string()),
        ("step", pa.string()),  # the step that failed first (refresh row), else NULL
        ("started_at", pa.timestamp("us", tz="UTC")),
        ("finished_at", pa.timestamp("us", tz="UTC")),
        ("rows_read", pa.int64()),
        ("rows_landed", pa.int64()),
        ("rows_set_aside", pa.int64()),
        ("models_built", pa.int64()),
        ("status", pa.string()),  # ok | failed
        ("error", pa.string()),
        ("load_id", pa.string()),
        ("step_name", pa.string()),  # the step a `step` row is about (added 2026-11-30)
    ]
)


class LockedError(Exception):
    """Another refresh holds the lock."""


@contextmanager
def refresh_lock(data_dir: Path, wait: float | None = None) -> Iterator[Path]:
    """Hold the exclusive refresh lock of this warehouse.

    ``wait``: None or 0 fails at once when the lock is held; otherwise waits up to that
    many seconds. The holder's pid and start time are written into the file for the
    message the other refresh prints.
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / LOCK_NAME
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + (wait or 0)
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as e:
                if e.errno not in (errno.EAGAIN, errno.EACCES):
                    raise
                if time.monotonic() >= deadline:
                    holder = path.read_text(errors="replace").strip() or "unknown"
                    raise LockedError(
                        f"another nightly refresh of {data_dir} is running ({holder}); "
                        "not starting a second one"
                    ) from None
                time.sleep(0.5)
        os.ftruncate(fd, 0)
        now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        os.write(fd, f"pid {os.getpid()} since {now}\n".encode())
        yield path
    finally:
        os.close(fd)  # closing the descriptor releases the flock


# --------------------------------------------------------------------------- run log


def write_runlog(data_dir: Path, refresh_id: str, rows: list[dict]) -> Path:
    """Write one refresh's rows atomically as ``runlog/<refresh_id>.parquet``."""
    folder = data_dir / RUNLOG_DIR
    folder.mkdir(parents=True, exist_ok=True)
    ensure_runlog(data_dir)
    final = folder / f"{refresh_id}.parquet"
    tmp = folder / f".{refresh_id}.parquet.tmp"
    pq.write_table(pa.Table.from_pylist(rows, schema=RUNLOG_SCHEMA), tmp)
    with open(tmp, "rb") as f:
        os.fsync(f.fileno())
    os.replace(tmp, final)
    dir_fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
    return final


def ensure_runlog(data_dir: Path) -> None:
    """An empty, typed file, so ``refresh_runs`` builds before the first refresh (dbt reads
    the files by column name: older files without a newer column read it as NULL)."""
    folder = data_dir / RUNLOG_DIR
    folder.mkdir(parents=True, exist_ok=True)
    empty = folder / "_empty.parquet"
    if not empty.exists() or not pq.read_schema(empty).equals(RUNLOG_SCHEMA):
        tmp = folder / ".empty.parquet.tmp"
        pq.write_table(RUNLOG_SCHEMA.empty_table(), tmp)
        os.replace(tmp, empty)


# --------------------------------------------------------------------------- steps


@dataclass
class Step:
    name: str
    ok: bool = True
    error: str | None = None
    seconds: float = 0.0
    started_at: dt.datetime | None = None
    finished_at: dt.datetime | None = None


@dataclass
class Refresh:
    refresh_id: str
    started_at: dt.datetime
    finished_at: dt.datetime | None = None  # None while it runs
    sources: list[SourceResult] = field(default_factory=list)
    source_times: dict[str, tuple[dt.datetime, dt.datetime]] = field(default_factory=dict)
    steps: list[Step] = field(default_factory=list)
    models_built: int | None = None

    @property
    def ok(self) -> bool:
        return all(s.ok for s in self.steps) and all(r.status == "ok" for r in self.sources)

    @property
    def status(self) -> str:
        """ok | failed; while running (the run log written before the reports): failed
        as soon as something failed, else running."""
        if not self.ok:
            return "failed"
        return "ok" if self.finished_at is not None else "running"

    def rows(self) -> list[dict]:
        """The run-log rows of the refresh so far: one for the refresh, one per step
        that has finished, one per source."""
        failed = next((s for s in self.steps if not s.ok), None)
        blank = {f.name: None for f in RUNLOG_SCHEMA}
        refresh_row = {
            **blank,
            "refresh_id": self.refresh_id,
            "scope": "refresh",
            "step": failed.name if failed else None,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "rows_read": sum(t.read for r in self.sources for t in r.tables),
            "rows_landed": sum(r.rows for r in self.sources),
            # counted by dbt: marts.refresh_runs joins quarantined_rows on the load id
            "rows_set_aside": 0,
            "models_built": self.models_built,
            "status": self.status,
            "error": failed.error if failed else None,
            "load_id": self.sources[0].load_id if self.sources else None,
        }
        out = [refresh_row]
        for step in self.steps:
            out.append(
                {
                    **blank,
                    "refresh_id": self.refresh_id,
                    "scope": "step",
                    "step_name": step.name,
                    "step": None if step.ok else step.name,
                    "started_at": step.started_at,
                    "finished_at": step.finished_at,
                    "models_built": self.models_built if step.name == "dbt build" else None,
                    "status": "ok" if step.ok else "failed",
                    "error": step.error,
                }
            )
        for r in self.sources:
            started, finished = self.source_times[r.source.name]
            out.append(
                {
                    **blank,
                    "refresh_id": self.refresh_id,
                    "scope": "source",
                    "source_name": r.source.name,
                    "source_system": r.source.system,
                    "step": "extract" if r.status != "ok" else None,
                    "started_at": started,
                    "finished_at": finished,
                    "rows_read": sum(t.read for t in r.tables),
                    "rows_landed": r.rows,
                    "rows_set_aside": 0,
                    "models_built": self.models_built,
                    "status": r.status,
                    "error": r.error,
                    "load_id": r.load_id,
                }
            )
        return out


def _step(refresh: Refresh, name: str, fn: Callable[[], str | None], echo) -> None:
    """Run one step; ``fn`` returns an error message or None."""
    echo(f"== nightly: {name}")
    t0 = time.monotonic()
    step = Step(name, started_at=dt.datetime.now(dt.UTC))
    try:
        step.error = fn()
    except Exception as e:  # a step's crash is recorded, and the next steps still run
        step.error = f"{type(e).__name__}: {' '.join(str(e).split())[:2000]}"
    step.ok = step.error is None
    step.seconds = time.monotonic() - t0
    step.finished_at = dt.datetime.now(dt.UTC)
    refresh.steps.append(step)
    outcome = "ok" if step.ok else f"FAILED: {step.error}"
    echo(f"== nightly: {name} {outcome} ({step.seconds:.1f} s)")


def dbt_build_args(full_refresh: bool) -> tuple[str, ...]:
    """The arguments of the refresh's ``dbt build``.

    An incremental refresh skips dbt's unit tests: they check the models' logic on fixed
    rows, which a night's new data does not change. It also skips the data tests on the
    dbt sources (``not_null`` on the landed keys): each reads every landed file of its
    table, and a refresh reads only the files of new loads (docs/nightly.md); the
    staging models' own tests check the same keys of the rows they took in. The data
    tests of the models that declare a scope run on the rows and days the refresh
    rebuilt (run with ``nightly_tests=True``: macros/nightly_tests.sql; docs/nightly.md,
    "Tests at night"). A full refresh, CI and `make build` run them all, on every row.
    """
    if full_refresh:
        return ("--full-refresh",)
    return ("--exclude", "resource_type:unit_test", "source:*")


def nightly(
    sources: list[Source],
    data_dir: Path,
    full_refresh: bool = False,
    notebooks: bool = True,
    echo: Callable[[str], None] = print,
) -> Refresh:
    """One refresh (the caller holds the lock). Writes its run-log file, returns it."""
    started = dt.datetime.now(dt.UTC)
    refresh = Refresh(refresh_id=started.strftime("%Y%m%dT%H%M%S%fZ"), started_at=started)
    ensure_runlog(data_dir)
    build_args = dbt_build_args(full_refresh)

    def extract() -> str | None:
        registry.write_registry(data_dir, sources)  # what marts.source_freshness checks
        for parked in reconcile_sources(data_dir, sources):  # the marts: these sources only
            echo(parked.message)
        # sources in parallel threads, as `make ingest` (each lands on its own and
        # records its own start and end for the run log)
        t0 = dt.datetime.now(dt.UTC)
        results = extract_all(sources, data_dir, Progress(), full_refresh)
        refresh.sources += results
        for r in results:
            refresh.source_times[r.source.name] = (
                r.started_at or t0,
                r.finished_at or dt.datetime.now(dt.UTC),
            )
        echo(format_summary(refresh.sources))
        failed = [r.source.name for r in refresh.sources if r.status != "ok"]
        return f"sources failed: {', '.join(failed)}" if failed else None

    def build() -> str | None:
        result = dbt_runner.run(
            data_dir, "build", *build_args, echo=echo, nightly_tests=not full_refresh
        )
        refresh.models_built = result.models_built
        if result.ok:
            return None
        failed = ", ".join(result.failed_nodes[:10]) or "see the dbt log"
        return f"dbt build failed (exit {result.returncode}): {failed}"

    def reports() -> str | None:
        from warehouse.reports import export_notebooks

        # The reports show this refresh: its run log so far (status `failed` or
        # `running`), which marts.refresh_runs, a view on the run-log files, reads as
        # soon as the file exists. The final status replaces it below.
        write_runlog(data_dir, refresh.refresh_id, refresh.rows())
        # only the reports whose marts changed in this build's publication, two at a time
        for path in export_notebooks(data_dir, changed_only=True):
            echo(f"report: {path}")
        return None

    # In order; each runs whatever happened before it. A step that needs the marts
    # built goes after "dbt build"; the reports stay last, as they show every step.
    def freshness() -> str | None:
        stale = registry.stale_sources(data_dir)  # marts.source_freshness, just built
        return "; ".join(stale) or None

    steps: list[tuple[str, Callable[[], str | None]]] = [
        ("extract", extract),
        ("dbt build", build),
        ("source freshness", freshness),
    ]
    if notebooks:
        steps.append(("notebooks", reports))
    for name, fn in steps:
        _step(refresh, name, fn, echo)
    refresh.finished_at = dt.datetime.now(dt.UTC)
    path = write_runlog(data_dir, refresh.refresh_id, refresh.rows())
    echo(f"run log: {path}")
    return refresh
