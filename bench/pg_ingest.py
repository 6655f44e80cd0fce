"""Ingest rows/s from PostgreSQL beside a plain `COPY (SELECT ...) TO STDOUT` of the same
table, as a ratio (issue #3), for both systems that run on PostgreSQL (ml_gateway's
chat_logs; instagram_feed's instagram_feeds with uuid, jsonb and timestamptz), each landed
row counted. Starts its own PostgreSQL server. The scale case of the PostgreSQL ingest
(tests/ingest/test_postgres.py keeps a 20k-row correctness case).

    python -m bench.pg_ingest [--rows 1000000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import tempfile
import time
from pathlib import Path

import psycopg
import pyarrow.parquet as pq

from demo import DemoOptions, _run_system, daily_counts
from ingest.config import Source
from ingest.extract import extract_all
from ingest.systems import SYSTEMS
from tests.support import pgserver
from tests.support.postgres import copy_sqlite_to_postgres

# the systems that run on PostgreSQL in production (docs/warehouse.md), a pick the system
# declarations do not record; each benchmarked on its call table (ingest.systems)
PG_SYSTEMS = ("ml_gateway", "instagram_feed")
TABLES = {system: SYSTEMS[system].call_table for system in PG_SYSTEMS}


def _best(fn, n: int = 3) -> float:
    times = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rows", type=int, default=1_000_000, help="rows of each system's table")
    args = ap.parse_args()
    days = 10
    per_day = args.rows // days
    # calls_per_day giving each system `per_day` calls a day (the demo gives each ~15%)
    cpd = next(
        c
        for c in range(per_day * 6, per_day * 7 + 10)
        if min(daily_counts(c)[system] for system in PG_SYSTEMS) >= per_day
    )
    server = pgserver.start()
    try:
        with tempfile.TemporaryDirectory(prefix="bench-pg-") as tmp_s:
            tmp = Path(tmp_s)
            dsn = server.create_database("bench")
            results = []
            for system, table in TABLES.items():
                t0 = time.perf_counter()
                _run_system(system, tmp, DemoOptions(days=days, calls_per_day=cpd))
                rows = copy_sqlite_to_postgres(tmp / f"{system}.db", system, dsn)[table]
                print(
                    f"setup: {rows:,} {table} rows in PostgreSQL in "
                    f"{time.perf_counter() - t0:.1f}s",
                    flush=True,
                )
                cols = ", ".join(f'"{c.name}"' for c in SYSTEMS[system].table(table).columns)

                def copy_out(cols: str = cols, table: str = table) -> None:
                    with (
                        psycopg.connect(dsn) as con,
                        con.cursor().copy(f"copy (select {cols} from {table}) to stdout") as cp,
                    ):
                        for _chunk in cp:
                            pass

                runs = iter(range(3))

                def ingest(
                    system: str = system, table: str = table, rows: int = rows, runs=runs
                ) -> None:
                    data = tmp / f"wh-{system}-{next(runs)}"
                    [r] = extract_all([Source("bench_pg", system, dsn, "UTC")], data)
                    assert r.status == "ok", r.error
                    landed = pq.read_table(data / "landing" / system / "bench_pg" / table)
                    assert landed.num_rows == rows

                results.append((table, rows, _best(copy_out), _best(ingest)))
            print(f"{'step':<58} {'seconds':>8} {'rows/s':>12}")
            for table, rows, c, g in results:
                print(f"{f'{table}: COPY (SELECT ...) TO STDOUT, discarded':<58} {c:>8.2f} "
                      f"{rows / c:>12,.0f}")  # fmt: skip
                print(f"{f'{table}: ingest PostgreSQL -> Arrow -> Parquet':<58} {g:>8.2f} "
                      f"{rows / g:>12,.0f}")  # fmt: skip
                print(f"{table}: ratio ingest / COPY {g / c:.2f}")
            print(f"(best of 3 each; {dt.date.today()})")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
