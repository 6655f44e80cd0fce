"""Copy a demo SQLite database into PostgreSQL with production column types.

Columns the system module knows get the type its kind stands for in PostgreSQL (uuid,
jsonb, timestamptz, timestamp, bigint, double precision, boolean, text); others stay
text. Used by the PostgreSQL tests and the benchmarks, so that ingest meets the types the
seeds describe (instagram_feed and ml_gateway run on PostgreSQL in production).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import psycopg
import pyarrow as pa
import pyarrow.compute
from psycopg import sql

from ingest.systems import SYSTEMS, Kind

PG_TYPE = {
    Kind.INT: "bigint",
    Kind.FLOAT: "double precision",
    Kind.BOOL: "boolean",
    Kind.TEXT: "text",
    Kind.JSON: "jsonb",
    Kind.UUID: "uuid",
    Kind.TS: "timestamp(6)",
    Kind.TSTZ: "timestamptz",
}
BATCH = 50_000


def copy_sqlite_to_postgres(sqlite_path: Path, system: str, dsn: str) -> dict[str, int]:
    """Create every table of the SQLite file in the PostgreSQL database `dsn` (dropping
    any of the same name) and copy the rows; return row counts per table."""
    known = {t.name: {c.name: c.kind for c in t.columns} for t in SYSTEMS[system].tables}
    keys = {t.name: t.key for t in SYSTEMS[system].tables}
    import adbc_driver_sqlite.dbapi as adbc_sqlite

    src = sqlite3.connect(sqlite_path)
    adbc = adbc_sqlite.connect(f"file:{sqlite_path}?mode=ro")
    counts: dict[str, int] = {}
    try:
        with psycopg.connect(dsn, autocommit=False) as pg:
            tables = [
                r[0]
                for r in src.execute(
                    "select name from sqlite_master where type = 'table' "
                    "and name not like 'sqlite_%' order by name"
                )
            ]
            for table in tables:
                columns = [r[1] for r in src.execute(f'pragma table_info("{table}")')]
                kinds = known.get(table, {})
                defs = [
                    sql.SQL("{} {}").format(
                        sql.Identifier(c), sql.SQL(PG_TYPE[kinds[c]] if c in kinds else "text")
                    )
                    for c in columns
                ]
                if table in keys:
                    defs.append(
                        sql.SQL("primary key ({})").format(
                            sql.SQL(", ").join(map(sql.Identifier, keys[table]))
                        )
                    )
                pg.execute(sql.SQL("drop table if exists {}").format(sql.Identifier(table)))
                pg.execute(
                    sql.SQL("create table {} ({})").format(
                        sql.Identifier(table), sql.SQL(", ").join(defs)
                    )
                )
                copy = sql.SQL("copy {} ({}) from stdin (format csv, header true)").format(
                    sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, columns))
                )
                n = 0
                with pg.cursor().copy(copy) as cp:
                    for chunk in _csv_chunks(adbc, table, columns):
                        cp.write(chunk[0])
                        n += chunk[1]
                counts[table] = n
            pg.commit()
    finally:
        src.close()
        adbc.close()
    return counts


def _csv_chunks(adbc, table: str, columns: list[str]):
    """The table as CSV text in chunks (Arrow's CSV writer, no per-row Python). Every
    column is read as text after a text sentinel row, so the ADBC driver's type inference
    cannot trip on NULL-first columns; PostgreSQL parses the text into its types."""
    import pyarrow.csv as pcsv

    cols = ", ".join(f'CAST("{c}" AS TEXT) AS "{c}"' for c in columns)
    first = ", ".join(f"'' AS \"{c}\"" for c in columns)
    query = f'SELECT * FROM (SELECT {first}, 1 AS __s UNION ALL SELECT {cols}, 0 FROM "{table}")'
    cur = adbc.cursor()
    try:
        cur.adbc_statement.set_options(**{"adbc.sqlite.query.batch_rows": str(BATCH)})
        cur.execute(query)
        header = True
        for batch in cur.fetch_record_batch():
            batch = batch.filter(pa.compute.equal(batch.column("__s"), 0)).drop_columns(["__s"])
            sink = pa.BufferOutputStream()
            pcsv.write_csv(
                batch, sink, pcsv.WriteOptions(include_header=header, quoting_style="needed")
            )
            header = False
            yield sink.getvalue().to_pybytes(), batch.num_rows
        if header:  # no rows: still send the header line
            yield (",".join(columns) + "\n").encode(), 0
    finally:
        cur.close()
