"""Ingest rows/s from PostgreSQL beside a plain `COPY (SELECT ...) TO STDOUT` of the same
table, as a ratio (issue #3). Starts its own PostgreSQL server.

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

from ingest.config import Source
from ingest.demo import DemoOptions, _run_system, daily_counts, pgserver
from ingest.demo.postgres import copy_sqlite_to_postgres
from ingest.extract import extract_all
from ingest.systems import SYSTEMS


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rows", type=int, default=1_000_000)
    args = ap.parse_args()
    days = 10
    per_day = args.rows // days
    # calls_per_day such that ml_gateway's share is `per_day`
    cpd = next(
        c for c in range(per_day * 6, per_day * 7 + 10) if daily_counts(c)["ml_gateway"] >= per_day
    )
    server = pgserver.start()
    try:
        with tempfile.TemporaryDirectory(prefix="bench-pg-") as tmp_s:
            tmp = Path(tmp_s)
            t0 = time.perf_counter()
            _run_system("ml_gateway", tmp, DemoOptions(days=days, calls_per_day=cpd))
            dsn = server.create_database("bench")
            counts = copy_sqlite_to_postgres(tmp / "ml_gateway.db", "ml_gateway", dsn)
            rows = counts["chat_logs"]
            print(
                f"setup: {rows:,} chat_logs rows in PostgreSQL in {time.perf_counter() - t0:.1f}s"
            )

            cols = ", ".join(
                f'"{c.name}"' for c in SYSTEMS["ml_gateway"].table("chat_logs").columns
            )
            copy_s = []
            for _ in range(3):
                t = time.perf_counter()
                n = 0
                with (
                    psycopg.connect(dsn) as con,
                    con.cursor().copy(f"copy (select {cols} from chat_logs) to stdout") as cp,
                ):
                    for chunk in cp:
                        n += len(chunk)
                copy_s.append(time.perf_counter() - t)
            ingest_s = []
            source = Source("bench_pg", "ml_gateway", dsn, "UTC")
            for i in range(3):
                data = tmp / f"wh{i}"
                t = time.perf_counter()
                [r] = extract_all([source], data)
                ingest_s.append(time.perf_counter() - t)
                assert r.status == "ok", r.error
                landed = pq.read_table(data / "landing" / "ml_gateway" / "bench_pg" / "chat_logs")
                assert landed.num_rows == rows
            c, g = min(copy_s), min(ingest_s)
            print(f"{'step':<44} {'seconds':>8} {'rows/s':>12}")
            print(f"{'COPY (SELECT ...) TO STDOUT, discarded':<44} {c:>8.2f} {rows / c:>12,.0f}")
            print(f"{'ingest: PostgreSQL -> Arrow -> Parquet':<44} {g:>8.2f} {rows / g:>12,.0f}")
            print(f"ratio ingest / COPY: {g / c:.2f} (best of 3 each; {dt.date.today()})")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
