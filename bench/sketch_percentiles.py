"""Percentiles over a window from the latency sketches against the exact computation.

    python -m bench.sketch_percentiles DATA_DIR [--days 90] [--repeat 5]

On the published warehouse of DATA_DIR (after a build): for the last ``--days`` UTC days
(all of them when fewer), every source together and each source alone, p50/p90/p95/p99
merged from marts.latency_sketches (warehouse/sketches.py) and computed exactly over the
same calls (quantile_cont over marts.generations). Prints JSON: per window the calls, the
relative error of each percentile against the exact one, and the best of ``--repeat``
timings of each in milliseconds. The target: <= 1 % on p95 for windows of >= 1,000
calls, and < 100 ms for a 90-day window at 1e7 calls.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb

from warehouse.sketches import FRACTIONS, window_percentiles

_EXACT = """
    select count(*), quantile_cont(latency_ms, [0.5, 0.9, 0.95, 0.99])
    from marts.generations
    where status = 'success' and latency_ms is not null
      and started_on between $start and $end
      and (len($sources) = 0 or list_contains($sources, source_name))
"""


def _best(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best * 1000, out


def bench(data_dir: Path, days: int, repeat: int) -> dict:
    con = duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True)
    con.execute("set TimeZone = 'UTC'")
    first, last = con.execute(
        "select min(usage_date), max(usage_date) from marts.latency_sketches"
    ).fetchone() or (None, None)
    if first is None:
        return {"error": "no latency sketches: build the warehouse first"}
    start = max(first, last - dt.timedelta(days=days - 1))
    sources = [
        r[0]
        for r in con.execute(
            "select distinct source_name from marts.latency_sketches order by 1"
        ).fetchall()
    ]
    windows: list[dict[str, Any]] = []
    for chosen in [[], *([s] for s in sources)]:
        params = {"start": start, "end": last, "sources": chosen}

        def sketch(c: list[str] = chosen) -> Any:
            return window_percentiles(con, start, last, c)

        def exact_query(p: dict[str, Any] = params) -> Any:
            return con.execute(_EXACT, p).fetchone()

        sketch_ms, (n, sketched) = _best(sketch, repeat)
        exact_ms, (n_exact, exact) = _best(exact_query, repeat)
        windows.append(
            {
                "sources": chosen or "all",
                "calls": n,
                "exact_calls": n_exact,
                "relative_error": {
                    f"p{round(q * 100)}": abs(sketched[q] - e) / e if e else None
                    for q, e in zip(FRACTIONS, exact or [], strict=False)
                    if q in sketched
                },
                "sketch_ms": round(sketch_ms, 2),
                "exact_ms": round(exact_ms, 2),
            }
        )
    con.close()
    return {"start": start.isoformat(), "end": last.isoformat(), "windows": windows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print(json.dumps(bench(args.data_dir, args.days, args.repeat), indent=2))


if __name__ == "__main__":
    main()
