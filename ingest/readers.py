"""Readers: one per kind of source, each yielding Arrow record batches of a table's
allowlisted columns, optionally only the rows past a cursor.

- ``sqlite:////absolute/path.db``: ADBC SQLite, read-only (``load_sources`` has made a
  relative ``sqlite:///path.db`` absolute, against the sources file's folder).
- ``postgresql://user[:password]@host:port/db``: ADBC PostgreSQL (libpq: ``PGPASSWORD``
  works, and a source's ``password_env`` names a variable holding the password).
- a folder (``file:///path`` or a plain path): exported files, one per table,
  ``<table>.parquet``, ``<table>.csv`` or ``<table>.jsonl``; for system otel_genai, a
  folder of OTLP/JSON trace exports (``ingest/otlp.py``).

Extraction SQL is built with sqlglot from the system module's allowlist; identifiers are
quoted by the library, and nothing from a config file becomes SQL.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable
from urllib.parse import quote, unquote, urlsplit, urlunsplit

import pyarrow as pa
import pyarrow.compute as pc
import sqlglot
from sqlglot import exp

from ingest.cast import SIDE_PREFIX, cast_table
from ingest.config import Source
from ingest.systems import SYSTEMS, Kind, Table

SENTINEL = "__sentinel"
BATCH_ROWS = 65_536


class SourceError(Exception):
    """Stops one source; the message names the source (and table and column if known)."""


class Reader(Protocol):
    """What ingest.extract asks of a reader (SqliteReader, PostgresReader, FileReader)."""

    place: str  # how error messages name what the source is: "database", "folder"

    def tables(self) -> set[str]: ...

    def columns(self, table: str) -> set[str]: ...

    def batches(
        self, table: Table, present: set[str], since: Since | None
    ) -> Iterator[pa.RecordBatch]: ...

    def close(self) -> None: ...


@runtime_checkable
class AppendingReader(Reader, Protocol):
    """A reader that keeps its own place in append-only files (OTLP exports, ingest/otlp.py):
    it resumes from the marks of the last load and reads only what the files gained."""

    def resume(self, table: str, marks: dict | None) -> None: ...

    def file_marks(self, table: str) -> dict: ...


@dataclass(frozen=True)
class Since:
    """Rows to take: cursor column >= value (timestamps, re-reading a look-back window)
    or > value (ids). Rows whose cursor is NULL are always taken: they cannot be placed
    relative to the cursor, and dropping them would lose them."""

    column: str
    kind: Kind
    value: int | dt.datetime
    inclusive: bool


def _literal(since: Since, dialect: str) -> exp.Expr:
    value = since.value
    if since.kind is Kind.INT:
        assert isinstance(value, int)
        return exp.Literal.number(value)
    assert isinstance(value, dt.datetime)
    if since.kind is Kind.TSTZ:
        text = value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f+00:00")
    else:
        text = value.strftime("%Y-%m-%d %H:%M:%S.%f")
    lit = exp.Literal.string(text)
    if dialect == "sqlite":
        return exp.func("julianday", lit)
    return exp.cast(lit, "TIMESTAMPTZ" if since.kind is Kind.TSTZ else "TIMESTAMP")


def _predicate(since: Since, dialect: str) -> exp.Expr:
    col: exp.Expr = exp.column(since.column, quoted=True)
    if dialect == "sqlite" and since.kind is not Kind.INT:
        col = exp.func("julianday", col)  # handles 'T' separators and +hh:mm offsets
    lit = _literal(since, dialect)
    cmp = exp.GTE(this=col, expression=lit) if since.inclusive else exp.GT(this=col, expression=lit)
    return exp.or_(cmp, exp.column(since.column, quoted=True).is_(exp.null()))


# --------------------------------------------------------------------------- SQLite

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


def build_sqlite_query(table: Table, present: set[str], since: Since | None = None) -> str:
    """SELECT of the allowlisted columns, cast to one storage class each.

    The ADBC SQLite driver infers each column's Arrow type from the first batch, and fails
    when a column is NULL there and typed later. A typed sentinel row goes first (and is
    dropped after the fetch) so the types are fixed by us, not by the data.

    SQLite stores any value in any column, and its CAST reads 'abc' as 0 and 1.5 as 1.
    So a numeric column is selected only where SQLite holds a number of that kind; any
    other value comes beside it as text (``__text_<column>``), for ingest.cast to read
    strictly or to report as unreadable, never as a silent 0.
    """
    typed, sentinel = [], []
    for col in table.columns:
        target = _SQLITE_CAST[col.kind]
        value = _value(col, present, "sqlite")
        side = None
        if col.kind in (Kind.INT, Kind.FLOAT) and col.name in present:
            value, side = _sqlite_numeric(value, col.kind)
        typed.append(exp.cast(value, target).as_(col.name, quoted=True))
        sentinel.append(
            exp.cast(_SQLITE_SENTINEL.get(target, exp.Literal.string("")), target).as_(
                col.name, quoted=True
            )
        )
        if side is not None:
            typed.append(exp.cast(side, "TEXT").as_(SIDE_PREFIX + col.name, quoted=True))
            sentinel.append(
                exp.cast(exp.Literal.string(""), "TEXT").as_(SIDE_PREFIX + col.name, quoted=True)
            )
    first = exp.select(*sentinel, exp.Literal.number(1).as_(SENTINEL))
    rows = exp.select(*typed, exp.Literal.number(0).as_(SENTINEL)).from_(
        exp.table_(table.name, quoted=True)
    )
    if since is not None:
        rows = rows.where(_predicate(since, "sqlite"))
    union = exp.union(first, rows, distinct=False)
    return exp.select("*").from_(union.subquery("src")).sql(dialect="sqlite")


def _sqlite_numeric(value: exp.Expr, kind: Kind) -> tuple[exp.Expr, exp.Expr]:
    """(the value where SQLite holds a number of `kind`, else NULL; the value as text
    where it does not)."""
    v = value.sql(dialect="sqlite")
    if kind is Kind.INT:
        good = f"typeof({v}) = 'integer' or (typeof({v}) = 'real' and {v} = cast({v} as integer))"
        take = f"case when typeof({v}) = 'real' then cast({v} as integer) else {v} end"
    else:
        good = f"typeof({v}) in ('integer', 'real')"
        take = v
    keep = sqlglot.parse_one(f"case when {good} then {take} end", dialect="sqlite")
    side = sqlglot.parse_one(
        f"case when {v} is not null and not ({good}) then cast({v} as text) end",
        dialect="sqlite",
    )
    return keep, side


def _value(col, present: set[str], dialect: str) -> exp.Expr:
    if col.name not in present:  # an optional column the source does not have
        return exp.null()
    if col.expression:
        return sqlglot.parse_one(col.expression, dialect=dialect)
    return exp.column(col.name, quoted=True)


# The first 16 bytes of every SQLite 3 file, checked before the driver opens it: for a
# text or Parquet file the driver only fails at the first query, with a long message.
_SQLITE_HEADER = b"SQLite format 3\x00"


class SqliteReader:
    dialect = "sqlite"
    place = "database"  # how error messages name what the source is

    def __init__(self, source: Source):
        import adbc_driver_sqlite.dbapi as adbc_sqlite

        path = source.sqlite_path()
        if not path.exists():
            raise SourceError(f"source {source.name}: database file not found: {path}")
        if path.is_dir():
            raise SourceError(f"source {source.name}: {path} is a folder, not a SQLite database")
        try:
            with open(path, "rb") as f:
                head = f.read(len(_SQLITE_HEADER))
        except OSError as e:
            raise SourceError(f"source {source.name}: cannot read {path}: {e.strerror}") from e
        if head not in (b"", _SQLITE_HEADER):  # an empty file is an empty database
            raise SourceError(f"source {source.name}: {path} is not a SQLite database")
        try:
            self.conn = adbc_sqlite.connect(f"file:{path}?mode=ro")
        except Exception as e:
            msg = " ".join(str(e).split())
            raise SourceError(f"source {source.name}: cannot open {path}: {msg}") from e
        self.source = source

    def tables(self) -> set[str]:
        with contextlib.closing(self.conn.cursor()) as cur:
            cur.execute("select name from sqlite_master where type in ('table', 'view')")
            return {r[0] for r in cur.fetchall()}

    def columns(self, table: str) -> set[str]:
        with contextlib.closing(self.conn.cursor()) as cur:
            cur.execute("select name from pragma_table_info(?)", (table,))
            return {r[0] for r in cur.fetchall()}

    def batches(
        self, table: Table, present: set[str], since: Since | None
    ) -> Iterator[pa.RecordBatch]:
        cur = self.conn.cursor()
        try:
            cur.adbc_statement.set_options(**{"adbc.sqlite.query.batch_rows": str(BATCH_ROWS)})
            cur.execute(build_sqlite_query(table, present, since))
            for batch in cur.fetch_record_batch():
                yield _drop_sentinel(batch)
        finally:
            cur.close()

    def close(self) -> None:
        self.conn.close()


def _drop_sentinel(batch: pa.RecordBatch) -> pa.RecordBatch:
    if SENTINEL not in batch.schema.names:
        return batch
    keep = pc.equal(batch.column(SENTINEL), 0)
    batch = batch.filter(keep)
    return batch.drop_columns([SENTINEL])


# --------------------------------------------------------------------------- PostgreSQL

_PG_CAST = {
    Kind.INT: "BIGINT",
    Kind.BOOL: "BOOLEAN",
    Kind.FLOAT: "DOUBLE PRECISION",
    Kind.TEXT: "TEXT",
    Kind.JSON: "TEXT",  # jsonb::text; ADBC would give an opaque extension type
    Kind.UUID: "TEXT",  # uuid::text; ADBC would give 16 raw bytes
    Kind.TS: "TIMESTAMP",
    Kind.TSTZ: "TIMESTAMPTZ",
}


def build_postgres_query(table: Table, present: set[str], since: Since | None = None) -> str:
    cols = [
        exp.cast(_value(c, present, "postgres"), _PG_CAST[c.kind]).as_(c.name, quoted=True)
        for c in table.columns
    ]
    q = exp.select(*cols).from_(exp.table_(table.name, quoted=True))
    if since is not None:
        q = q.where(_predicate(since, "postgres"))
    return q.sql(dialect="postgres")


def postgres_uri(source: Source) -> str:
    """The connection URI with the password from password_env, if the source names one."""
    if not source.password_env:
        return source.url
    password = os.environ.get(source.password_env)
    if password is None:
        raise SourceError(
            f"source {source.name}: environment variable {source.password_env} "
            "(password_env) is not set"
        )
    parts = urlsplit(source.url)
    user = parts.username or ""
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    netloc = f"{quote(unquote(user), safe='')}:{quote(password, safe='')}@{host}"
    return urlunsplit(parts._replace(netloc=netloc))


class PostgresReader:
    dialect = "postgres"
    place = "database"  # how error messages name what the source is

    def __init__(self, source: Source):
        import adbc_driver_postgresql.dbapi as adbc_pg

        self.source = source
        uri = postgres_uri(source)
        self._secrets = [s for s in (urlsplit(uri).password, os.environ.get("PGPASSWORD")) if s]
        try:
            self.conn = adbc_pg.connect(uri)
            with contextlib.closing(self.conn.cursor()) as cur:
                cur.execute("select 1")
                cur.fetchall()
        except Exception as e:
            raise SourceError(
                f"source {source.name}: cannot connect to {source.display_url}: {self.clean(e)}"
            ) from None

    def clean(self, e: BaseException) -> str:
        """The driver's message in one line, with any password blanked out."""
        text = " ".join(str(e).split()) or type(e).__name__
        for s in self._secrets:
            text = text.replace(s, "***").replace(quote(s, safe=""), "***")
        return text

    def _rows(self, sql: str, params: tuple = ()) -> list[tuple]:
        with contextlib.closing(self.conn.cursor()) as cur:
            cur.execute(sql, params)
            return cur.fetchall()

    def tables(self) -> set[str]:
        rows = self._rows(
            "select table_name from information_schema.tables where table_schema = current_schema()"
        )
        return {r[0] for r in rows}

    def columns(self, table: str) -> set[str]:
        rows = self._rows(
            "select column_name from information_schema.columns "
            "where table_schema = current_schema() and table_name = $1",
            (table,),
        )
        return {r[0] for r in rows}

    def batches(
        self, table: Table, present: set[str], since: Since | None
    ) -> Iterator[pa.RecordBatch]:
        cur = self.conn.cursor()
        try:
            cur.execute(build_postgres_query(table, present, since))
            yield from cur.fetch_record_batch()
        finally:
            cur.close()

    def close(self) -> None:
        self.conn.close()


# --------------------------------------------------------------------------- exported files

_FILE_EXTS = (".parquet", ".csv", ".jsonl")


class FileReader:
    """A folder of exported files, one per table. CSV is read as text and cast by kind, so
    a column's type never depends on what its first rows happen to look like."""

    dialect = "files"
    place = "folder"  # how error messages name what the source is

    def __init__(self, source: Source):
        self.source = source
        self.root = source.folder_path()
        if not self.root.is_dir():
            raise SourceError(f"source {source.name}: folder not found: {self.root}")
        self.files: dict[str, Path] = {}
        for p in sorted(self.root.iterdir()):
            if p.suffix in _FILE_EXTS and p.stem not in self.files:
                self.files[p.stem] = p

    def tables(self) -> set[str]:
        return set(self.files)

    def columns(self, table: str) -> set[str]:
        path = self.files[table]
        if path.suffix == ".parquet":
            import pyarrow.parquet as pq

            return set(pq.read_schema(path).names)
        if path.suffix == ".csv":
            with open(path, encoding="utf-8", errors="replace") as f:
                import csv

                return set(next(csv.reader(f), []))
        return set(self._read(table, None).column_names)

    def _read(self, table: str, wanted: list[str] | None) -> pa.Table:
        path = self.files[table]
        if path.suffix == ".parquet":
            import pyarrow.parquet as pq

            return pq.read_table(path, columns=wanted)
        if path.suffix == ".csv":
            import pyarrow.csv as pcsv

            header = self.columns(table)
            include = [c for c in (wanted or sorted(header)) if c in header]
            opts = pcsv.ConvertOptions(
                include_columns=include,
                # bytes, not str: a value that is not UTF-8 must reach ingest.cast
                # (kept with its bytes, flagged), not fail the whole file here
                column_types={c: pa.binary() for c in include},
                strings_can_be_null=True,  # an unquoted empty field is NULL
                quoted_strings_can_be_null=False,  # "" is an empty string
            )
            t = pcsv.read_csv(path, convert_options=opts)
            return pa.table(
                {
                    name: pa.chunked_array(
                        [chunk.view(pa.string()) for chunk in col.chunks], pa.string()
                    )
                    for name, col in zip(t.column_names, t.columns, strict=True)
                }
            )
        import pyarrow.json as pjson

        t = pjson.read_json(path)
        return t.select([c for c in t.column_names if wanted is None or c in wanted])

    def batches(
        self, table: Table, present: set[str], since: Since | None
    ) -> Iterator[pa.RecordBatch]:
        wanted = [c.name for c in table.columns if c.name in present]
        t = self._read(table.name, wanted)
        for c in table.columns:  # optional columns the export lacks
            if c.name not in t.column_names:
                t = t.append_column(c.name, pa.nulls(t.num_rows, c.kind.arrow_type))
        t = t.select([c.name for c in table.columns])
        if since is not None:
            typed = cast_table(t, table, key=b"cursor-only")
            col = typed[since.column]
            bound = pa.scalar(since.value, type=col.type)
            cmp = pc.greater_equal(col, bound) if since.inclusive else pc.greater(col, bound)
            t = t.filter(pc.or_kleene(cmp, pc.is_null(col)))
        yield from t.to_batches(max_chunksize=BATCH_ROWS)

    def close(self) -> None:
        pass


def open_reader(source: Source) -> Reader:
    """The reader of `source`: its system's own (a system module's `reader`, such as
    otel_genai's folder of OTLP/JSON exports, ingest/otlp.py), else by the url's scheme."""
    scheme = source.scheme
    own = SYSTEMS[source.system].reader
    if own is not None:
        if scheme != "file":
            raise SourceError(
                f"source {source.name}: a {source.system} source is a folder of exported "
                f"files, not {source.display_url}"
            )
        module, _, name = own.partition(":")
        reader: Reader = getattr(importlib.import_module(module), name)(source)
        return reader
    if scheme == "sqlite":
        return SqliteReader(source)
    if scheme in ("postgresql", "postgres"):
        return PostgresReader(source)
    if scheme == "file":
        return FileReader(source)
    raise SourceError(
        f"source {source.name}: unsupported url scheme {scheme!r} ({source.display_url}); "
        "supported: sqlite, postgresql, a folder of exported files"
    )
