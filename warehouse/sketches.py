"""Latency percentiles over any window from the mergeable sketches (marts.latency_sketches),
without reading the calls: what the dbt macro ``sketch_percentiles`` computes, for the
notebooks and the bench.

Bucket ``i`` holds the latencies in (gamma^(i-1), gamma^i] ms, gamma = (1 + a) / (1 - a)
with ``a`` the sketch's ``relative_error``, and stands for 2 gamma^i / (gamma + 1), within
``a`` of every latency in it (bucket NULL: 0 ms). A percentile q is numpy's linear one:
the calls at ranks floor(q (n - 1)) and the next, their buckets' values interpolated, so
the result is within ``a`` of the exact percentile of the same calls.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence

import duckdb

FRACTIONS = (0.5, 0.9, 0.95, 0.99)

_MERGE = """
    select bucket_index, sum(calls) as calls, max(relative_error) as relative_error
    from marts.latency_sketches
    where usage_date between $start and $end
      and (len($sources) = 0 or list_contains($sources, source_name))
      and (len($models) = 0 or list_contains($models, model))
    group by bucket_index
    order by bucket_index nulls first
"""


def merged_buckets(
    con: duckdb.DuckDBPyConnection,
    start: dt.date,
    end: dt.date,
    sources: Sequence[str] = (),
    models: Sequence[str] = (),
) -> tuple[list[tuple[int | None, int]], float | None]:
    """(bucket, calls) in bucket order, and the relative error, over the window."""
    rows = con.execute(
        _MERGE,
        {"start": start, "end": end, "sources": list(sources), "models": list(models)},
    ).fetchall()
    alpha = max((r[2] for r in rows), default=None)
    return [(b, int(n)) for b, n, _ in rows], alpha


def quantiles(
    buckets: list[tuple[int | None, int]], alpha: float, fractions: Sequence[float] = FRACTIONS
) -> dict[float, float]:
    """The percentiles of merged buckets (sorted, NULL first), as numpy's linear method."""
    gamma = (1 + alpha) / (1 - alpha)
    total = sum(n for _, n in buckets)
    if total == 0:
        return {}
    values = [0.0 if b is None else 2 * gamma**b / (gamma + 1) for b, _ in buckets]
    through = list(_cumulative(n for _, n in buckets))

    def at(rank: int) -> float:  # the value of the call at 0-based rank
        for value, upto in zip(values, through, strict=True):
            if upto > rank:
                return value
        return values[-1]

    out = {}
    for q in fractions:
        rank = q * (total - 1)
        low = math.floor(rank)
        lo, hi = at(low), at(min(low + 1, total - 1))
        out[q] = lo + (rank - low) * (hi - lo)
    return out


def _cumulative(counts):
    running = 0
    for n in counts:
        running += n
        yield running


def window_percentiles(
    con: duckdb.DuckDBPyConnection,
    start: dt.date,
    end: dt.date,
    sources: Sequence[str] = (),
    models: Sequence[str] = (),
    fractions: Sequence[float] = FRACTIONS,
) -> tuple[int, dict[float, float]]:
    """(successful calls timed, {fraction: latency ms}) over the days, sources and models
    (empty: all)."""
    buckets, alpha = merged_buckets(con, start, end, sources, models)
    if alpha is None:
        return 0, {}
    return sum(n for _, n in buckets), quantiles(buckets, alpha, fractions)
