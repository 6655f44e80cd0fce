"""SQLite readers side by side (issue #18): the same SQL, the same files, the same typing.

    python -m bench.sqlite_readers --calls 1e6 [--days 30] [--reps 3] [--readers adbc,...]

Every reader runs the query the warehouse issues (`ingest.readers.build_sqlite_query`: the
allowlisted columns cast to one storage class each, a numeric column's non-numeric values
beside it as `__text_<column>`, a typed sentinel row first) on the call tables of the five
SQLite systems of demo sources of `calls` calls (otel_genai's sources are trace files), and
yields Arrow with the sentinel row dropped:

- `adbc`: the production reader (`ingest.readers.SqliteReader.batches`, 65,536-row batches);
- `adbc-2t`: the same driver, two connections in two threads, each reading one half of the
  table's rowids (a `rowid` range in the query's row arm; the sentinel goes first in both);
- `connectorx`: connectorx `read_sql(..., return_type="arrow")`, one query;
- `connectorx-stream`: the same with `return_type="arrow_stream"`, 65,536-row batches;
- `connectorx-2p`: connectorx partitioned in 2 on the table's integer key, SQLite's `rowid`,
  selected beside the columns (`__part`) with `partition_range` from `min/max(rowid)`:
  two of the five call tables select no integer key of their own, and a key column read
  strictly is NULL where the source holds a non-integer, which every range would miss;
- `connectorx-2p-key`: connectorx's own way, `partition_on` the selected integer key (`id`,
  `pk`) where the table has one, connectorx computing the range;
- `sqlite3`: Python's sqlite3, `fetchmany` batches turned into Arrow arrays of the types
  the query fixes (`text_factory = bytes`: TEXT bytes pass through as ADBC passes them);
- `adbc-casts-only`: a reference, not a candidate: ADBC on a query that only CASTs each
  column (no typeof() side columns, no sentinel), which reads 'n/a' as 0: what the strict
  typing costs SQLite.

Each (reader, table, repetition) runs in a child process, repetitions interleaved, so the
peak RSS (`ru_maxrss`, the whole process) is that of one read. Timed: open, query, every
row as Arrow, sentinel dropped; not timed: imports and sqlglot's first parse (`warm_up`).
seconds is the median of the repetitions, best s the fastest, CPU s the median CPU time of
the process (every thread). Streaming readers (adbc, connectorx-stream, sqlite3) drop each
batch after counting it, as the extract streams batches into Parquet; the others hold the
table.

Identical to ADBC: in a separate, untimed pass, the reader's table after
`ingest.cast.cast_table` equals ADBC's (types and values, row order included) on the
benchmark data, and separately on every table of a small `--bad-input` demo (planted
unreadable numbers and timestamps, invalid UTF-8, mojibake). DuckDB's SQLite scanner is
tried too: none loads into DuckDB 2.0.0.

connectorx is not a project dependency; without it its rows say so. To run them, put it
beside the environment rather than into it:
`uv pip install --target /tmp/cx-lib connectorx==0.4.6` and `PYTHONPATH=/tmp/cx-lib`.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import importlib.util
import json
import os
import queue
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import sqlglot
from sqlglot import exp

from demo import GENERATOR_VERSION
from ingest.cast import SIDE_PREFIX, cast_table
from ingest.config import Source, load_sources
from ingest.readers import BATCH_ROWS, SENTINEL, SqliteReader, build_sqlite_query
from ingest.systems import SYSTEMS, Kind, Table
from warehouse import paths

READERS = [
    "adbc",
    "adbc-2t",
    "connectorx",
    "connectorx-stream",
    "connectorx-2p",
    "connectorx-2p-key",
    "sqlite3",
    "adbc-casts-only",
]
REFERENCE = {"adbc-casts-only"}  # not a candidate: what the strict typing costs
KEY = b"bench-sqlite-readers"
PART = "__part"
MiB = 1024**2


# --------------------------------------------------------------------------- the SQL


def sqlite_systems(src: Path) -> list[str]:
    """The systems the demo sources in `src` hold as SQLite files, in SYSTEMS' order (the
    others, such as otel_genai's trace exports, have no SQLite to read)."""
    urls = {s.system: s.url for s in load_sources(src / "sources.toml")}
    return [name for name in SYSTEMS if urls.get(name, "").startswith("sqlite:")]


def call_tables(src: Path) -> list[tuple[str, str]]:
    """(system, call table) of each SQLite system in `src`."""
    return [(name, SYSTEMS[name].call_table) for name in sqlite_systems(src)]


def _source(db: Path, system: str) -> Source:
    return Source(name=f"bench_{system}", system=system, url=f"sqlite:///{db}", timezone="UTC")


def present_columns(db: Path, table: str) -> set[str]:
    with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as con:
        return {r[1] for r in con.execute(f'pragma table_info("{table}")')}


def _arms(sql: str) -> tuple[exp.Expr, exp.Select, exp.Select]:
    tree = sqlglot.parse_one(sql, dialect="sqlite")
    union = tree.find(exp.Union)
    assert union is not None
    first, rows = union.left, union.right  # sentinel row, table rows
    assert isinstance(first, exp.Select) and isinstance(rows, exp.Select)
    return tree, first, rows


def with_rowid_range(sql: str, lo: int, hi: int) -> str:
    """The warehouse's query, its table rows limited to lo <= rowid < hi."""
    tree, _first, rows = _arms(sql)
    rowid = exp.column("rowid")
    rows.where(
        exp.and_(exp.GTE(this=rowid, expression=exp.Literal.number(lo)),
                 exp.LT(this=rowid.copy(), expression=exp.Literal.number(hi))),
        copy=False,
    )  # fmt: skip
    return tree.sql(dialect="sqlite")


def with_part_column(sql: str) -> str:
    """The warehouse's query with `rowid` selected as __part (0 in the sentinel row)."""
    tree, first, rows = _arms(sql)
    first.select(exp.Literal.number(0).as_(PART), copy=False)
    rows.select(exp.column("rowid").as_(PART), copy=False)
    return tree.sql(dialect="sqlite")


def rowid_bounds(db: Path, table: str) -> tuple[int, int]:
    with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as con:
        lo, hi = con.execute(f'select min(rowid), max(rowid) from "{table}"').fetchone()
    return (lo or 0), (hi or 0)


def integer_key(table: Table) -> str | None:
    """The table's own integer key, if it selects one (`id`, `pk`)."""
    for name in (*table.key, table.cursor or ""):
        if name and table.column(name).kind is Kind.INT:
            return name
    for c in table.columns:
        if c.name == "pk" and c.kind is Kind.INT:
            return c.name
    return None


# --------------------------------------------------------------------------- readers


def _drop_sentinel_table(t: pa.Table) -> pa.Table:
    t = t.filter(pc.equal(t[SENTINEL], 0))
    return t.drop_columns([c for c in (SENTINEL, PART) if c in t.column_names])


def read_adbc(db: Path, system: str, table: Table, present: set[str]) -> Iterator[pa.RecordBatch]:
    reader = SqliteReader(_source(db, system))
    try:
        yield from reader.batches(table, present, None)
    finally:
        reader.close()


def read_adbc_2t(
    db: Path, system: str, table: Table, present: set[str]
) -> Iterator[pa.RecordBatch]:
    """Two ADBC connections in two threads, one half of the rowids each, in rowid order."""
    import adbc_driver_sqlite.dbapi as adbc_sqlite

    from ingest.readers import _drop_sentinel

    lo, hi = rowid_bounds(db, table.name)
    mid = lo + (hi - lo + 1) // 2
    sql = build_sqlite_query(table, present)
    halves = [with_rowid_range(sql, lo, mid), with_rowid_range(sql, mid, hi + 1)]
    out: list[list[pa.RecordBatch]] = [[], []]
    errors: queue.Queue[BaseException] = queue.Queue()

    def run(i: int) -> None:
        try:
            with adbc_sqlite.connect(f"file:{db}?mode=ro") as conn, conn.cursor() as cur:
                cur.adbc_statement.set_options(**{"adbc.sqlite.query.batch_rows": str(BATCH_ROWS)})
                cur.execute(halves[i])
                out[i] = [_drop_sentinel(b) for b in cur.fetch_record_batch()]
        except BaseException as e:  # re-raised in the caller
            errors.put(e)

    threads = [threading.Thread(target=run, args=(i,)) for i in (0, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if not errors.empty():
        raise errors.get()
    for part in out:
        yield from part


def casts_only_query(table: Table, present: set[str]) -> str:
    """Reference, not a candidate: each column CAST to its storage class and nothing else
    (no typeof() side columns, no sentinel row): SQLite's CAST reads 'n/a' as 0 and 12.5
    as 12, the silent misreadings the warehouse's query exists to prevent."""
    from ingest.readers import _SQLITE_CAST

    cols = [
        exp.cast(exp.column(c.name, quoted=True) if c.name in present else exp.null(),
                 _SQLITE_CAST[c.kind]).as_(c.name, quoted=True)
        for c in table.columns
    ]  # fmt: skip
    return exp.select(*cols).from_(exp.table_(table.name, quoted=True)).sql(dialect="sqlite")


def read_adbc_casts_only(
    db: Path, system: str, table: Table, present: set[str]
) -> Iterator[pa.RecordBatch]:
    import adbc_driver_sqlite.dbapi as adbc_sqlite

    with adbc_sqlite.connect(f"file:{db}?mode=ro") as conn, conn.cursor() as cur:
        cur.adbc_statement.set_options(**{"adbc.sqlite.query.batch_rows": str(BATCH_ROWS)})
        cur.execute(casts_only_query(table, present))
        yield from cur.fetch_record_batch()


def _cx_read(db: Path, **kw) -> pa.Table:
    import connectorx as cx

    return cx.read_sql(f"sqlite://{db}", return_type="arrow", **kw)


def read_cx(db: Path, system: str, table: Table, present: set[str]) -> Iterator[pa.RecordBatch]:
    t = _drop_sentinel_table(_cx_read(db, query=build_sqlite_query(table, present)))
    yield from t.to_batches(max_chunksize=BATCH_ROWS)


def read_cx_stream(
    db: Path, system: str, table: Table, present: set[str]
) -> Iterator[pa.RecordBatch]:
    import connectorx as cx

    from ingest.readers import _drop_sentinel

    reader = cx.read_sql(f"sqlite://{db}", build_sqlite_query(table, present),
                         return_type="arrow_stream", batch_size=BATCH_ROWS)  # fmt: skip
    for batch in reader:
        yield _drop_sentinel(batch)


def read_cx_2p(db: Path, system: str, table: Table, present: set[str]) -> Iterator[pa.RecordBatch]:
    lo, hi = rowid_bounds(db, table.name)
    sql = with_part_column(build_sqlite_query(table, present))
    t = _cx_read(db, query=sql, partition_on=PART, partition_num=2,
                 partition_range=(min(lo, 0), hi))  # fmt: skip
    yield from _drop_sentinel_table(t).to_batches(max_chunksize=BATCH_ROWS)


def read_cx_2p_key(
    db: Path, system: str, table: Table, present: set[str]
) -> Iterator[pa.RecordBatch]:
    key = integer_key(table)
    if key is None:
        raise LookupError("no integer key selected")
    t = _cx_read(db, query=build_sqlite_query(table, present), partition_on=key,
                 partition_num=2)  # fmt: skip
    yield from _drop_sentinel_table(t).to_batches(max_chunksize=BATCH_ROWS)


def _arrow_type(name: str, table: Table) -> pa.DataType:
    if name in (SENTINEL, PART):
        return pa.int64()
    if name.startswith(SIDE_PREFIX):
        return pa.string()
    kind = table.column(name).kind
    if kind in (Kind.INT, Kind.BOOL):
        return pa.int64()  # CAST(... AS INTEGER)
    if kind is Kind.FLOAT:
        return pa.float64()  # CAST(... AS REAL)
    return pa.string()  # CAST(... AS TEXT)


def read_sqlite3(
    db: Path, system: str, table: Table, present: set[str]
) -> Iterator[pa.RecordBatch]:
    """stdlib sqlite3: rows in fetchmany batches, columns into Arrow arrays of the types the
    query's casts fix. TEXT comes as bytes (str would raise on a value that is not UTF-8)
    and is viewed as Arrow strings unchecked, as the ADBC driver hands them over."""
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    con.text_factory = bytes
    try:
        cur = con.execute(build_sqlite_query(table, present))
        names = [d[0] for d in cur.description]
        types = [_arrow_type(n, table) for n in names]
        keep = [i for i, n in enumerate(names) if n != SENTINEL]
        schema = pa.schema([pa.field(names[i], types[i]) for i in keep])
        first = True
        while rows := cur.fetchmany(BATCH_ROWS):
            if first:  # the sentinel row is the union's first
                assert rows[0][names.index(SENTINEL)] == 1
                rows, first = rows[1:], False
            columns = list(zip(*rows, strict=True)) if rows else [() for _ in names]
            arrays = []
            for i in keep:
                if types[i] == pa.string():
                    arrays.append(pa.array(columns[i], pa.binary()).view(pa.string()))
                else:
                    arrays.append(pa.array(columns[i], types[i]))
            yield pa.RecordBatch.from_arrays(arrays, schema=schema)
    finally:
        con.close()


READ: dict[str, Callable[..., Iterator[pa.RecordBatch]]] = {
    "adbc": read_adbc,
    "adbc-2t": read_adbc_2t,
    "connectorx": read_cx,
    "connectorx-stream": read_cx_stream,
    "connectorx-2p": read_cx_2p,
    "connectorx-2p-key": read_cx_2p_key,
    "sqlite3": read_sqlite3,
    "adbc-casts-only": read_adbc_casts_only,
}


def unavailable(reader: str, table: Table) -> str | None:
    if reader.startswith("connectorx") and importlib.util.find_spec("connectorx") is None:
        return "connectorx not installed"
    if reader == "connectorx-2p-key" and integer_key(table) is None:
        return "no integer key selected"
    return None


def read_table(reader: str, db: Path, system: str, table: Table) -> pa.Table:
    present = present_columns(db, table.name)
    batches = list(READ[reader](db, system, table, present))
    if not batches:
        raise ValueError("no batches")
    return pa.Table.from_batches(batches)


def landed(t: pa.Table, system: str, table: Table, db: Path) -> pa.Table:
    return cast_table(t, table, key=KEY).combine_chunks()


# --------------------------------------------------------------------------- comparing


def differences(got: pa.Table, want: pa.Table) -> str | None:
    """None when equal; else what differs (types, row count, or per column rows)."""
    if got.schema != want.schema:
        diff = [
            f"{f.name}: {f.type} vs {want.schema.field(f.name).type}"
            if f.name in want.schema.names
            else f"{f.name}: extra"
            for f in got.schema
            if f.name not in want.schema.names or f.type != want.schema.field(f.name).type
        ]
        return "types: " + ", ".join(diff or ["column order"])
    if got.num_rows != want.num_rows:
        return f"rows: {got.num_rows} vs {want.num_rows}"
    if got.equals(want):
        return None
    by_all = [(c, "ascending") for c in got.column_names]
    if got.sort_by(by_all).equals(want.sort_by(by_all)):
        return "same rows, other order"
    cols = []
    for name in got.column_names:
        a, b = got[name], want[name]
        if a.equals(b):
            continue
        same = pc.fill_null(pc.equal(a, b), False)
        both_null = pc.and_(pc.is_null(a), pc.is_null(b))
        bad = pc.invert(pc.or_(same, both_null))
        n = pc.sum(pc.cast(bad, pa.int64())).as_py()
        i = pc.index(bad, True).as_py()
        cols.append(f"{name}: {n} rows (row {i}: {a[i].as_py()!r:.60} vs {b[i].as_py()!r:.60})")
    return "; ".join(cols)


# --------------------------------------------------------------------------- one child


def warm_up(reader: str, table: Table, present: set[str]) -> None:
    """Once-per-process costs, not counted for any reader: imports (ADBC's dbapi imports
    pandas through pyarrow.dataset, and pyarrow's first pa.array() looks for pandas: over
    a second each here), and sqlglot's first parse of the query."""
    import adbc_driver_sqlite.dbapi  # noqa: F401

    pa.array([0])
    if reader.startswith("connectorx"):
        import connectorx  # noqa: F401
    build_sqlite_query(table, present)


def child(args: argparse.Namespace) -> None:
    """One timed read in this process: JSON line with rows, seconds, CPU seconds (every
    thread), peak RSS (before the landed table is built for `--out`)."""
    db, system = Path(args.db), args.system
    table = SYSTEMS[system].table(args.table)
    present = present_columns(db, table.name)
    warm_up(args.child, table, present)
    before = resource.getrusage(resource.RUSAGE_SELF)
    t0 = time.perf_counter()
    rows = 0
    kept: list[pa.RecordBatch] = []
    for batch in READ[args.child](db, system, table, present):
        rows += batch.num_rows
        if args.out:
            kept.append(batch)
    seconds = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    if args.out:  # after the peak is taken: the landed table, for the comparison
        import pyarrow.ipc as ipc

        t = landed(pa.Table.from_batches(kept), system, table, db)
        with ipc.new_file(args.out, t.schema) as w:
            w.write_table(t)
    print(json.dumps({"rows": rows, "seconds": seconds, "cpu_seconds": cpu,
                      "peak_rss": after.ru_maxrss * 1024,
                      "rss_before": before.ru_maxrss * 1024}))  # fmt: skip


def _run_child(reader: str, db: Path, system: str, table: str, out: Path | None) -> dict:
    cmd = [sys.executable, "-m", "bench.sqlite_readers", "--child", reader, "--db", str(db),
           "--system", system, "--table", table]  # fmt: skip
    if out is not None:
        cmd += ["--out", str(out)]
    p = subprocess.run(cmd, cwd=paths.REPO_ROOT, capture_output=True, text=True, check=False)
    lines = [ln for ln in p.stdout.splitlines() if ln.startswith("{")]
    if p.returncode != 0 or not lines:
        tail = (p.stderr.strip().splitlines() or ["?"])[-1]
        return {"error": tail[:200]}
    return json.loads(lines[-1])


# --------------------------------------------------------------------------- the runs


def demo_sources(root: Path, days: int, per_day: int, bad_input: bool) -> Path:
    """Demo sources in `root` (reused while the options and generator match)."""
    manifest = root / "truth" / "manifest.json"
    want = {"days": days, "calls_per_day": per_day, "seed": 42, "bad_input": bad_input}
    if manifest.exists():
        m = json.loads(manifest.read_text(encoding="utf-8"))
        opts = m.get("options", {})
        if (
            all(opts.get(k) == v for k, v in want.items())
            and m.get("generator_version") == GENERATOR_VERSION
        ):
            return root
    cmd = [sys.executable, "-m", "warehouse", "demo", "--days", str(days), "--calls-per-day",
           str(per_day), "--out", str(root)] + (["--bad-input"] if bad_input else [])  # fmt: skip
    subprocess.run(cmd, cwd=paths.REPO_ROOT, check=True, capture_output=True)
    return root


def versions() -> str:
    from importlib.metadata import PackageNotFoundError, version

    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=paths.REPO_ROOT, capture_output=True,
        text=True, check=False,
    ).stdout.strip()  # fmt: skip
    found = []
    for name in ("adbc-driver-sqlite", "connectorx", "pyarrow"):
        try:
            found.append(f"{name} {version(name)}")
        except PackageNotFoundError:
            found.append(f"{name} not installed")
    return f"commit {commit or '?'}; SQLite {sqlite3.sqlite_version} (Python's); " + ", ".join(
        found
    )


def duckdb_scanner() -> str:
    import duckdb

    con = duckdb.connect()
    try:
        con.execute("load sqlite_scanner")
        return f"duckdb {duckdb.__version__}: sqlite_scanner loaded"
    except duckdb.Error as e:
        first = " ".join(str(e).split())[:160]
        return f"duckdb {duckdb.__version__}: no SQLite scanner ({first})"
    finally:
        con.close()


def bench(src: Path, readers: list[str], reps: int, check: bool) -> list[dict]:
    tables = call_tables(src)
    for system, _ in tables:  # into the page cache, so no reader pays for the disk
        with open(src / f"{system}.db", "rb") as f:
            while f.read(1 << 24):
                pass
    results: dict[tuple[str, str], dict] = {}
    for _rep in range(reps):  # interleaved, so a busy minute on the machine hits every reader
        for system, name in tables:
            table = SYSTEMS[system].table(name)
            for reader in readers:
                r = results.setdefault(
                    (reader, name), {"reader": reader, "table": name, "runs": []}
                )
                why = unavailable(reader, table)
                if why or "error" in r:
                    r.setdefault("error", why)
                    continue
                got = _run_child(reader, src / f"{system}.db", system, name, None)
                if "error" in got:
                    r["error"] = got["error"]
                    continue
                r["runs"].append(got)
                print(f"  {reader:<18} {name:<16} {got['seconds']:6.2f} s", flush=True)
    if check:  # untimed: each landed table written by its child, compared, deleted
        import pyarrow.ipc as ipc

        with tempfile.TemporaryDirectory(prefix="sqlite-readers-") as tmp:
            for system, name in tables:
                db = src / f"{system}.db"
                ref = Path(tmp) / "adbc.arrow"
                if "error" in _run_child("adbc", db, system, name, ref):
                    continue
                for reader in readers:
                    r = results[(reader, name)]
                    if reader == "adbc" or reader in REFERENCE or r.get("error"):
                        continue
                    mine = Path(tmp) / "other.arrow"
                    got = _run_child(reader, db, system, name, mine)
                    if "error" in got:
                        r["diff"] = f"failed: {got['error']}"
                    else:
                        with ipc.open_file(mine) as a, ipc.open_file(ref) as b:
                            r["diff"] = differences(a.read_all(), b.read_all())
                        mine.unlink()
                    r["identical"] = r["diff"] is None
                ref.unlink()
    return list(results.values())


def check_bad_input(src: Path, readers: list[str]) -> list[dict]:
    """Every reader against ADBC on every table of every SQLite source, after cast_table."""
    os.environ["RUST_BACKTRACE"] = "0"  # a connectorx panic: its message, not 40 frames
    out = []
    for reader in readers:
        if reader == "adbc" or reader in REFERENCE:
            continue
        checked, skipped, diffs = 0, [], []
        for system in (SYSTEMS[name] for name in sqlite_systems(src)):
            db = src / f"{system.name}.db"
            with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as con:
                tables = {r[0] for r in con.execute("select name from sqlite_master")}
            for table in system.tables:
                if table.name not in tables:
                    continue
                why = unavailable(reader, table)
                if why:
                    skipped.append(why)
                    continue
                want = landed(read_table("adbc", db, system.name, table), system.name, table, db)
                try:
                    got = landed(read_table(reader, db, system.name, table), system.name,
                                 table, db)  # fmt: skip
                    d = differences(got, want)
                except (KeyboardInterrupt, SystemExit):
                    raise
                except BaseException as e:  # a failure is a difference too; connectorx's
                    # arrow_stream raises a Rust panic (pyo3 PanicException: BaseException)
                    d = f"failed: {type(e).__name__}: {' '.join(str(e).split())[:160]}"
                checked += 1
                if d:
                    diffs.append(f"{system.name}.{table.name}: {d}")
        out.append({"reader": reader, "checked": checked, "skipped": skipped, "diffs": diffs})
    return out


def _row(cells: list[str], widths: list[int]) -> str:
    return " | ".join(c.ljust(w) if i < 2 else c.rjust(w)
                      for i, (c, w) in enumerate(zip(cells, widths, strict=True)))  # fmt: skip


def report(results: list[dict], check: bool, n_tables: int) -> str:
    head = ["reader", "table", "rows", "seconds", "best s", "CPU s", "rows/s", "peak RSS MiB",
            "identical to ADBC"]  # fmt: skip
    lines = []
    totals: dict[str, list[float]] = {}
    for r in results:
        if r.get("error") or not r["runs"]:
            lines.append([r["reader"], r["table"], "", "", "", "", "", "", r.get("error") or "?"])
            continue
        secs = [x["seconds"] for x in r["runs"]]
        med = statistics.median(secs)
        rows = r["runs"][0]["rows"]
        peak = max(x["peak_rss"] for x in r["runs"]) / MiB
        if r["reader"] == "adbc":
            same = "yes"
        elif r["reader"] in REFERENCE:
            same = "reference, not strict"
        elif not check:
            same = "-"
        else:
            same = "yes" if r.get("identical") else f"no: {r.get('diff')}"[:40]
            if r.get("diff") == "same rows, other order":
                same = "same rows, other order"
        cpu = statistics.median(x["cpu_seconds"] for x in r["runs"])
        lines.append([r["reader"], r["table"], f"{rows:,}", f"{med:.2f}", f"{min(secs):.2f}",
                      f"{cpu:.2f}", f"{rows / med:,.0f}", f"{peak:,.0f}", same])  # fmt: skip
        t = totals.setdefault(r["reader"], [0, 0.0, 0.0, 0.0, 0])
        t[0] += rows
        t[1] += med
        t[2] += min(secs)
        t[3] += cpu
        t[4] += 1
    for reader, (all_rows, all_secs, best, all_cpu, n) in totals.items():
        if n == n_tables:
            lines.append([reader, f"{n_tables} call tables", f"{all_rows:,.0f}", f"{all_secs:.2f}",
                          f"{best:.2f}", f"{all_cpu:.2f}", f"{all_rows / all_secs:,.0f}", "",
                          ""])  # fmt: skip
    widths = [max(len(x[i]) for x in [head, *lines]) for i in range(len(head))]
    sep = "-+-".join("-" * w for w in widths)
    return "\n".join([_row(head, widths), sep, *(_row(x, widths) for x in lines)])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--calls", type=float, default=1e6, help="calls in the demo sources")
    ap.add_argument("--days", type=int, default=30)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--readers", default=",".join(READERS))
    ap.add_argument("--sources", type=Path, default=None,
                    help="default $WAREHOUSE_DATA_DIR/bench/readers-<calls>")  # fmt: skip
    ap.add_argument("--no-check", action="store_true", help="skip the identical-to-ADBC checks")
    ap.add_argument("--json", type=Path, default=None, help="also write the results here")
    for hidden in ("--child", "--db", "--system", "--table", "--out"):
        ap.add_argument(hidden, default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args)
        return
    readers = [r.strip() for r in args.readers.split(",") if r.strip()]
    if unknown := set(readers) - set(READERS):
        sys.exit(f"unknown readers: {', '.join(sorted(unknown))}")
    if "adbc" not in readers:
        readers.insert(0, "adbc")
    calls, days = int(args.calls), args.days
    per_day = round(calls / days)
    base = paths.data_dir() / "bench"
    src = demo_sources(args.sources or base / f"readers-{calls}", days, per_day, False)
    load = os.getloadavg()[0]
    print(f"sources: {src} ({days} days x {per_day} calls); load average {load:.2f}")
    print(versions())
    print(duckdb_scanner())
    results = bench(src, readers, args.reps, not args.no_check)
    print()
    print(f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores, "
          f"load average {load:.2f} at start, {os.getloadavg()[0]:.2f} at end; "
          f"seconds = median of {args.reps}")  # fmt: skip
    print(report(results, not args.no_check, len(call_tables(src))))
    for r in results:
        if r.get("diff"):
            print(f"{r['reader']} {r['table']}: {r['diff']}")
    if args.json:
        args.json.write_text(json.dumps({"results": results}, indent=1))
    checks: list[dict] = []
    if not args.no_check:
        bad = demo_sources(base / "readers-bad-input", 3, 2000, True)
        checks = check_bad_input(bad, readers)
        print("\n--bad-input demo, every table of the SQLite sources, after cast_table:")
        for c in checks:
            verdict = "identical" if not c["diffs"] else f"{len(c['diffs'])} differ"
            skipped = "".join(
                f"; {c['skipped'].count(why)} skipped: {why}" for why in sorted(set(c["skipped"]))
            )
            print(f"  {c['reader']:<18} {c['checked']:>2} tables {verdict}{skipped}")
            for d in c["diffs"]:
                print(f"    {d}")
    if args.json:
        args.json.write_text(json.dumps({"results": results, "bad_input": checks}, indent=1))


if __name__ == "__main__":
    main()
