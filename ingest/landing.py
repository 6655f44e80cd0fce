"""The Parquet landing zone: versions, cursors, and publishing a source all at once.

Layout under ``$WAREHOUSE_DATA_DIR/landing``::

    <system>/<source>                    -> relative symlink to the current version
    .versions/<system>/<source>/<load_id>/
        <table>/<load_id>.parquet        one file per load that brought rows
        _state.json                      the cursors this version's data reaches

A run builds a new version beside the current one (hard links to the files it keeps,
new files for what it read), writes the cursors into it, and swaps the symlink with one
``rename``. Killed at any point, the landing zone shows the old version or the new one,
never a mix, and the cursors always describe exactly the data beside them.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from ingest import registry
from ingest.cast import row_fields
from ingest.config import Source
from ingest.durable import fsync_dir, fsync_tree
from ingest.sql_text import quote_ident, quote_literal
from ingest.systems import Kind, Table

META_FIELDS = [
    pa.field("_source_name", pa.string()),
    pa.field("_source_timezone", pa.string()),
    pa.field("_load_id", pa.string()),
    pa.field("_loaded_at", pa.timestamp("us", tz="UTC")),
]
STATE_FILE = "_state.json"
PARTIAL = ".partial"


def landing_root(data_dir: Path) -> Path:
    return data_dir / "landing"


def landed_schema(table: Table) -> pa.Schema:
    schema = table.schema
    for f in (*row_fields(table), *META_FIELDS):
        schema = schema.append(f)
    return schema


def with_meta(t: pa.Table, source: Source, load_id: str, loaded_at: dt.datetime) -> pa.Table:
    n = t.num_rows
    values = [source.name, source.timezone, load_id, loaded_at]
    for f, v in zip(META_FIELDS, values, strict=True):
        t = t.append_column(f, pa.array([v] * n, type=f.type))
    return t


def ensure_placeholders(data_dir: Path) -> None:
    """An empty, typed file for every table of every system, so that dbt's sources resolve
    (and read no rows) for systems with no source configured, or none landed yet."""
    from ingest.systems import SYSTEMS

    for system in SYSTEMS.values():
        for table in system.tables:
            path = landing_root(data_dir) / system.name / "_empty" / table.name / "empty.parquet"
            schema = landed_schema(table)
            if path.exists() and pq.read_schema(path).equals(schema):
                continue  # an older placeholder is rewritten when the landed shape grew
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(".empty.parquet.tmp")
            pq.write_table(schema.empty_table(), tmp, compression="zstd")
            os.replace(tmp, path)
    registry.ensure_registry(data_dir)  # the configured sources, once any extract wrote it
    from ingest import models_resolved

    if not models_resolved.path(data_dir).exists():  # the model mapping (after each extract)
        models_resolved.write(data_dir)


# --------------------------------------------------------------------------- versions


class SourceLanding:
    def __init__(self, data_dir: Path, source: Source):
        root = landing_root(data_dir)
        self.source = source
        self.link = root / source.system / source.name
        self.versions = root / ".versions" / source.system / source.name

    # ---- reading what is there
    def current(self) -> Path | None:
        if self.link.is_symlink():
            target = self.link.resolve()
            return target if target.is_dir() else None
        return None

    def state(self) -> dict:
        cur = self.current()
        if cur is None or not (cur / STATE_FILE).exists():
            return {}
        return json.loads((cur / STATE_FILE).read_text(encoding="utf-8"))

    def files(self, table: str) -> list[Path]:
        cur = self.current()
        if cur is None:
            return []
        return sorted((cur / table).glob("*.parquet"))

    # ---- building the next version
    def begin(self, load_id: str) -> Path:
        self.clean_stale()
        new = self.versions / (load_id + PARTIAL)
        new.mkdir(parents=True)
        return new

    def clean_stale(self) -> None:
        """Remove what a killed run left: unfinished versions and orphaned link files."""
        if self.versions.exists():
            for p in self.versions.iterdir():
                if p.name.endswith(PARTIAL):
                    shutil.rmtree(p, ignore_errors=True)
        if self.link.parent.exists():
            for p in self.link.parent.glob(f".{self.source.name}.swap-*"):
                p.unlink(missing_ok=True)

    @staticmethod
    def keep(files: list[Path], new: Path, table: str) -> None:
        (new / table).mkdir(parents=True, exist_ok=True)
        for f in files:
            os.link(f, new / table / f.name)

    def publish(self, new: Path, state: dict) -> Path:
        """Make `new` the current version in one rename; return its final path."""
        _write_atomic(new / STATE_FILE, json.dumps(state, indent=2, sort_keys=True) + "\n")
        fsync_tree(new)
        final = new.with_name(new.name[: -len(PARTIAL)])
        os.rename(new, final)
        fsync_dir(final.parent)
        self.link.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.link.parent / f".{self.source.name}.swap-{final.name}"
        tmp.unlink(missing_ok=True)
        os.symlink(os.path.relpath(final, self.link.parent), tmp)
        os.replace(tmp, self.link)
        fsync_dir(self.link.parent)
        return final

    def prune(self, keep_previous: Path | None) -> None:
        """Delete versions other than the current one and the one just replaced (a reader
        that listed its files a moment ago can still open them)."""
        cur = self.current()
        for p in self.versions.iterdir():
            if p not in (cur, keep_previous) and not p.name.endswith(PARTIAL):
                shutil.rmtree(p, ignore_errors=True)


# --------------------------------------------------------------------------- configured sources

PARKED = ".parked"


@dataclass(frozen=True)
class Parked:
    """A landed source that the sources file no longer lists."""

    system: str
    name: str
    calls: int  # distinct call keys it held, now out of the marts

    @property
    def message(self) -> str:
        return (
            f"source {self.name} is no longer configured: its {self.calls:,} calls left the "
            f"marts; python -m warehouse forget {self.name} deletes its landed files"
        )


def _relink(link: Path, target: Path) -> None:
    """Point `link` at `target` (a relative symlink), replacing it in one rename."""
    link.parent.mkdir(parents=True, exist_ok=True)
    tmp = link.parent / f".{link.name}.relink"
    tmp.unlink(missing_ok=True)
    os.symlink(os.path.relpath(target, link.parent), tmp)
    os.replace(tmp, link)
    fsync_dir(link.parent)


def _landed_calls(version: Path, system_name: str) -> int:
    from ingest.systems import SYSTEMS

    system = SYSTEMS[system_name]
    if not system.call_table:
        return 0
    files = sorted((version / system.call_table).glob("*.parquet"))
    if not files:
        return 0
    key = ", ".join(quote_ident(k) for k in system.table(system.call_table).key)
    with duckdb.connect() as con:
        row = con.execute(
            f"select count(*) from (select 1 from {_files_sql(files)} group by {key})"
        ).fetchone()
    return int(row[0]) if row else 0


def reconcile_sources(data_dir: Path, sources: list[Source]) -> list[Parked]:
    """Make the landing zone hold exactly the configured sources, deleting nothing.

    A landed source the sources file no longer lists is parked: its link moves from
    ``<system>/<source>`` to ``.parked/<system>/<source>``, out of dbt's reach, so its
    calls leave the marts while its files stay (``forget`` deletes them). A parked source
    that is configured again is restored as it was, and its next extract continues from
    its cursors. Returns the sources parked by this call.
    """
    root = landing_root(data_dir)
    configured = {(s.system, s.name) for s in sources}
    for system, name in configured:
        parked, link = root / PARKED / system / name, root / system / name
        if parked.is_symlink() and not link.is_symlink() and parked.resolve().is_dir():
            _relink(link, parked.resolve())
            parked.unlink()
    out: list[Parked] = []
    if not root.exists():
        return out
    for system_dir in sorted(p for p in root.iterdir() if not p.name.startswith((".", "_"))):
        for link in sorted(system_dir.iterdir()):
            if not link.is_symlink() or (system_dir.name, link.name) in configured:
                continue
            target = link.resolve()
            calls = _landed_calls(target, system_dir.name) if target.is_dir() else 0
            _relink(root / PARKED / system_dir.name / link.name, target)
            link.unlink()
            fsync_dir(system_dir)
            out.append(Parked(system_dir.name, link.name, calls))
    return out


def parked_sources(data_dir: Path) -> list[tuple[str, str]]:
    """(system, source) of every parked source."""
    root = landing_root(data_dir) / PARKED
    if not root.exists():
        return []
    return sorted((s.name, p.name) for s in root.iterdir() for p in s.iterdir())


def forget_source(data_dir: Path, name: str) -> list[Path]:
    """Delete the landed files of a parked source; return the folders removed."""
    root = landing_root(data_dir)
    removed = []
    for system, parked_name in parked_sources(data_dir):
        if parked_name != name:
            continue
        versions = root / ".versions" / system / name
        (root / PARKED / system / name).unlink()
        if versions.exists():
            shutil.rmtree(versions)
            removed.append(versions)
    return removed


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


# --------------------------------------------------------------------------- comparing


def _files_sql(files: list[Path]) -> str:
    return f"read_parquet([{', '.join(quote_literal(f) for f in files)}], union_by_name = true)"


def changed_rows(
    raw: Path,
    out: Path,
    table: Table,
    previous: list[Path],
    window: tuple[str, object] | None,
) -> int:
    """Copy into `out` the rows of `raw` that are new or differ from the newest landed
    version of their key; return how many. `window` = (cursor column, lower bound)
    limits the landed rows compared to those a look-back re-read can return."""
    cols = [c.landed_name for c in table.columns]
    key = ", ".join(quote_ident(k) for k in table.key)
    row_hash = "hash(" + ", ".join(quote_ident(c) for c in cols) + ")"
    con = duckdb.connect()
    try:
        con.execute("set TimeZone = 'UTC'")
        new = f"read_parquet({quote_literal(raw)})"
        if previous:
            where = ""
            if window is not None:
                column, bound = window
                con.execute("create temp table bound as select ?::varchar as b", [str(bound)])
                where = (
                    f"where {quote_ident(column)} >= "
                    f"(select cast(b as {_duck_type(table, column)}) from bound) "
                    f"or {quote_ident(column)} is null"
                )
            landed = (
                f"select {key}, {row_hash} as _h from {_files_sql(previous)} {where} "
                f"qualify row_number() over (partition by {key} "
                "order by _loaded_at desc, _load_id desc) = 1"
            )
            keys_eq = " and ".join(f"n.{quote_ident(k)} = l.{quote_ident(k)}" for k in table.key)
            new_hash = "hash(" + ", ".join(f"n.{quote_ident(c)}" for c in cols) + ")"
            query = (
                f"select n.* from {new} as n anti join ({landed}) as l "
                f"on {keys_eq} and {new_hash} = l._h"
            )
        else:
            query = f"select * from {new}"
        con.execute(
            f"copy ({query}) to {quote_literal(out)} (format parquet, compression zstd, "
            "row_group_size 1000000)"
        )
        return _count(con, f"select count(*) from read_parquet({quote_literal(out)})")
    finally:
        con.close()


def same_rows(raw: Path, previous: list[Path], table: Table) -> bool:
    """Whether a full re-read holds exactly the rows already landed (as a multiset)."""
    if not previous:
        return False
    cols = ", ".join(quote_ident(c.landed_name) for c in table.columns)
    con = duckdb.connect()
    try:
        con.execute("set TimeZone = 'UTC'")
        q = (
            f"select count(*) from ((select {cols} from read_parquet({quote_literal(raw)}) "
            f"except all select {cols} from {_files_sql(previous)}) union all "
            f"(select {cols} from {_files_sql(previous)} except all "
            f"select {cols} from read_parquet({quote_literal(raw)})))"
        )
        return _count(con, q) == 0
    except duckdb.Error:
        return False  # e.g. the allowlist changed since: land the new shape
    finally:
        con.close()


def _count(con: duckdb.DuckDBPyConnection, query: str) -> int:
    row = con.execute(query).fetchone()
    assert row is not None, "an aggregate without group by returns one row"
    return int(row[0])


def _duck_type(table: Table, column: str) -> str:
    kind = table.column(column).kind
    return {Kind.INT: "bigint", Kind.TS: "timestamp", Kind.TSTZ: "timestamptz"}[kind]
