"""Publishing the marts to readers: Parquet files plus a small database of views.

dbt builds into a private database, ``$WAREHOUSE_DATA_DIR/builder.duckdb``, which only the
build opens. Readers (analysts, notebooks, BI tools) open
``$WAREHOUSE_DATA_DIR/warehouse.duckdb``, a small database holding one view per published
table over Parquet files. DuckDB lets one process write a database file and refuses a
writer while any other process holds it, so this split is what lets a refresh complete
while a reader keeps its connection open for hours.

Each publication is a folder ``published/<publication_id>/``:

    <schema>.<table>/<partition>.parquet   one file per UTC day, for tables with a day column
    <schema>.<table>/all.parquet           (the others)
    <schema>.<table>/_schema.parquet       no rows: the table's types, even when empty
    _fingerprints.parquet                  rows and a row hash per file
    warehouse.duckdb                       the views, hard-linked as $DATA/warehouse.duckdb

A file whose rows did not change since the previous publication is hard-linked from it,
not written again, so a refresh writes what it changed. The new ``warehouse.duckdb``
replaces the old one with one ``rename``: a reader that opened the old file keeps it, and
its views keep pointing at the old publication's files, which stay until no process
holds that database open. So a reader sees the marts before a refresh or after it, never
a mix.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb

from ingest.durable import fsync_dir, fsync_tree
from ingest.sql_text import quote_ident, quote_literal

READERS_DB = "warehouse.duckdb"
BUILDER_DB = "builder.duckdb"
PUBLISHED = "published"
FINGERPRINTS = "_fingerprints.parquet"
# A table is published as one file per UTC day of its first column of these (a DATE, or
# the UTC date of a timestamp with time zone), so that a refresh writes only the days it
# changed; a table with none of them is one file
PARTITION_COLUMNS = (
    "started_on", "usage_date", "created_on", "started_at", "generated_at", "window_start",
)  # fmt: skip
# What readers get: every table and view of these schemas ...
PUBLISHED_SCHEMAS = ("marts", "reference")
# ... and these views, which views of those schemas read (the run log: read when queried)
EXTRA_VIEWS = ("staging.stg_runlog__refresh_runs",)
# Publications kept besides those in use: the current one and this many before it
KEEP_PREVIOUS = 1


@dataclass
class Published:
    relation: str  # schema.table
    rows: int
    files_written: int
    files_linked: int


def current_publication(data_dir: Path) -> Path | None:
    """The publication that $DATA/warehouse.duckdb shows (same inode), if any."""
    readers = data_dir / READERS_DB
    root = data_dir / PUBLISHED
    try:
        st = readers.stat()
    except FileNotFoundError:
        return None
    for pub in sorted(root.glob("*/"), reverse=True):
        db = pub / READERS_DB
        if db.exists() and os.path.samestat(db.stat(), st):
            return pub
    return None


def _day_key(cols: list[tuple[str, str]]) -> str | None:
    """The SQL of a row's partition, 'YYYY-MM-DD' (NULL for a NULL day), or None."""
    types = dict(cols)
    for name in PARTITION_COLUMNS:
        if types.get(name) == "DATE":
            return f"strftime({quote_ident(name)}, '%Y-%m-%d')"
        if types.get(name) == "TIMESTAMP WITH TIME ZONE":
            return f"strftime(timezone('UTC', {quote_ident(name)}), '%Y-%m-%d')"
    return None


def _fingerprints(con: duckdb.DuckDBPyConnection, relation: str, day: str | None) -> dict:
    """{file name: (rows, hash)} of the table as it is in the builder now."""
    key = day or "'all'"
    rows = con.execute(
        f"select coalesce({key}, 'null') as f, count(*), "
        f"cast(sum(hash(t)::hugeint) as varchar) from {relation} as t group by all"
    ).fetchall()
    return {f"{f}.parquet": (n, h) for f, n, h in rows}


def _previous_fingerprints(previous: Path | None) -> dict[tuple[str, str], tuple[int, str]]:
    if previous is None or not (previous / FINGERPRINTS).exists():
        return {}
    with duckdb.connect() as con:
        rows = con.execute(
            "select relation, file, row_count, row_hash "
            f"from read_parquet({quote_literal(previous / FINGERPRINTS)})"
        ).fetchall()
    return {(r, f): (n, h) for r, f, n, h in rows}


def _write_table(
    con: duckdb.DuckDBPyConnection,
    relation: str,
    folder: Path,
    previous: Path | None,
    old: dict[tuple[str, str], tuple[int, str]],
) -> tuple[Published, list[tuple]]:
    cols = con.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_schema || '.' || table_name = ? order by ordinal_position",
        [relation],
    ).fetchall()
    part = _day_key(cols)
    folder.mkdir(parents=True)
    con.execute(
        f"copy (select * from {relation} limit 0) to {quote_literal(folder / '_schema.parquet')} "
        "(format parquet)"
    )
    now = _fingerprints(con, relation, part)
    written = linked = 0
    changed: list[str] = []
    for name, fp in now.items():
        before = previous / relation / name if previous else None
        if old.get((relation, name)) == fp and before is not None and before.exists():
            os.link(before, folder / name)
            linked += 1
        else:
            changed.append(name)
    if changed and part is None:
        con.execute(
            f"copy (select * from {relation}) to {quote_literal(folder / 'all.parquet')} "
            "(format parquet, compression zstd)"
        )
        written = 1
    elif changed and part is not None:
        days = [n.removesuffix(".parquet") for n in changed]
        where = f"coalesce({part}, 'null') in (select unnest(?))"
        tmp = folder / ".partitions"
        con.execute(
            f"copy (select *, coalesce({part}, 'null') as _file "
            f"from {relation} where {where}) to {quote_literal(tmp)} "
            "(format parquet, compression zstd, partition_by (_file))",
            [days],
        )
        for day in days:
            (part_dir,) = (tmp / f"_file={day}").glob("*.parquet")
            os.replace(part_dir, folder / f"{day}.parquet")
            written += 1
        shutil.rmtree(tmp)
    rows = sum(n for n, _h in now.values())
    fps = [(relation, name, n, h) for name, (n, h) in now.items()]
    return Published(relation, rows, written, linked), fps


def _column_list(con: duckdb.DuckDBPyConnection, relation: str) -> str:
    cols = con.execute(
        "select column_name from information_schema.columns "
        "where table_schema || '.' || table_name = ? order by ordinal_position",
        [relation],
    ).fetchall()
    return ", ".join(quote_ident(c) for (c,) in cols)


def _relations(
    con: duckdb.DuckDBPyConnection, schemas: tuple[str, ...], views: tuple[str, ...]
) -> tuple[list[str], dict[str, str]]:
    """The tables of `schemas` and, as {name: SQL}, their views plus `views` (views they
    read), with the builder's catalog name taken out of the SQL."""
    (db,) = con.execute("select current_database()").fetchall()[0]
    tables = con.execute(
        "select table_schema || '.' || table_name from information_schema.tables "
        "where table_catalog = ? and table_type = 'BASE TABLE' "
        "and list_contains(?, table_schema) order by all",
        [db, list(schemas)],
    ).fetchall()
    rows = con.execute(
        "select schema_name || '.' || view_name, sql from duckdb_views() "
        "where database_name = ? and not internal "
        "and (list_contains(?, schema_name) or list_contains(?, schema_name || '.' || view_name))",
        [db, list(schemas), list(views)],
    ).fetchall()
    qualifier = re.compile(r'(?<![\w".])' + re.escape(quote_ident(db)) + r"\.")
    return [t for (t,) in tables], {name: qualifier.sub("", sql) for name, sql in rows}


def publish(
    con: duckdb.DuckDBPyConnection,
    data_dir: Path,
    schemas: tuple[str, ...] = PUBLISHED_SCHEMAS,
    views: tuple[str, ...] = EXTRA_VIEWS,
) -> tuple[str, list[Published]]:
    """Publish the tables and views of `schemas` in the builder `con` (tables as Parquet,
    views as views) and swap the readers' database; return the publication id and what
    was written."""
    relations, view_sql = _relations(con, schemas, views)
    root = data_dir / PUBLISHED
    root.mkdir(parents=True, exist_ok=True)
    previous = current_publication(data_dir)
    old = _previous_fingerprints(previous)
    pub_id = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
    staging = root / f".{pub_id}.partial"
    final = root / pub_id
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    out: list[Published] = []
    fps: list[tuple] = []
    # the files are in a separate cursor's transactions; the builder sees one snapshot
    for relation in relations:
        p, f = _write_table(con, relation, staging / relation, previous, old)
        out.append(p)
        fps += f
    columns = {r: _column_list(con, r) for r in relations}
    with duckdb.connect() as mem:
        mem.execute(
            "create table fp (relation varchar, file varchar, row_count bigint, row_hash varchar)"
        )
        if fps:
            mem.executemany("insert into fp values (?, ?, ?, ?)", fps)
        mem.execute(f"copy fp to {quote_literal(staging / FINGERPRINTS)} (format parquet)")
    fsync_tree(staging)
    os.rename(staging, final)
    # the views name the final folder, so they are written after the rename
    tmp_db = final / f".{READERS_DB}.tmp"
    with duckdb.connect(str(tmp_db)) as readers:
        for schema in sorted({r.split(".", 1)[0] for r in [*relations, *view_sql]}):
            readers.execute(f"create schema if not exists {quote_ident(schema)}")
        for relation in relations:
            schema, table = relation.split(".", 1)
            files = quote_literal(final / relation / "*.parquet")
            readers.execute(
                f"create view {quote_ident(schema)}.{quote_ident(table)} "
                f"as select {columns[relation]} "
                f"from read_parquet({files}, union_by_name = false)"
            )
        # views last, in an order that lets each find the views it reads
        pending = dict(view_sql)
        while pending:
            progress = False
            for name, sql in list(pending.items()):
                try:
                    readers.execute(sql)
                except duckdb.CatalogException:
                    continue
                del pending[name]
                progress = True
            if not progress:
                raise RuntimeError(f"cannot publish the views {sorted(pending)}")
        readers.execute("checkpoint")
    os.replace(tmp_db, final / READERS_DB)
    # a database left by an older version of the warehouse (the builder's own file then)
    (data_dir / f"{READERS_DB}.wal").unlink(missing_ok=True)
    swap = data_dir / f".{READERS_DB}.swap"
    swap.unlink(missing_ok=True)
    os.link(final / READERS_DB, swap)
    os.replace(swap, data_dir / READERS_DB)
    fsync_dir(data_dir)
    collect_garbage(data_dir)
    return pub_id, out


def _open_inodes() -> set[tuple[int, int]] | None:
    """(device, inode) of every file some process holds open; None where unknown."""
    proc = Path("/proc")
    if not proc.is_dir():
        return None
    seen: set[tuple[int, int]] = set()
    for pid in proc.iterdir():
        if not pid.name.isdigit():
            continue
        try:
            fds = list((pid / "fd").iterdir())
        except OSError:
            continue
        for fd in fds:
            try:
                st = fd.stat()
            except OSError:
                continue
            seen.add((st.st_dev, st.st_ino))
    return seen


def collect_garbage(data_dir: Path, max_age_days: float = 7.0) -> list[Path]:
    """Delete publications no reader can still see: not the current one, not the
    KEEP_PREVIOUS before it, and not one whose database some process holds open (where
    that cannot be known, not one younger than `max_age_days`)."""
    root = data_dir / PUBLISHED
    pubs = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    current = current_publication(data_dir)
    if current is None:
        return []
    keep = set(pubs[max(0, pubs.index(current) - KEEP_PREVIOUS) : pubs.index(current) + 1])
    keep |= {p for p in pubs if p.name > current.name}  # a concurrent publisher's
    open_files = _open_inodes()
    removed = []
    for pub in pubs:
        if pub in keep:
            continue
        db = pub / READERS_DB
        if open_files is None:
            if db.exists() and time.time() - db.stat().st_mtime < max_age_days * 86400:
                continue
        elif db.exists() and (db.stat().st_dev, db.stat().st_ino) in open_files:
            continue
        shutil.rmtree(pub, ignore_errors=True)
        removed.append(pub)
    for stale in root.glob(".*.partial"):
        shutil.rmtree(stale, ignore_errors=True)
    return removed
