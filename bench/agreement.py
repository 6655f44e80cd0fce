"""Do chDB and our dbt/DuckDB build give the same marts? Every row, every figure (issue #8).

Used by `python -m bench.scale` (non-zero exit on any difference) and by
tests/bench/test_chdb_agreement.py on a small generated warehouse. Compared: the calls of
the systems bench/chdb_marts.py maps (`chdb_marts.MAPPED`), today every declared one.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import duckdb
import polars as pl
import pyarrow as pa

from bench import chdb_marts
from ingest.systems import SYSTEMS

# mart -> (grain, figures compared exactly, figures compared within FLOAT_TOL)
MARTS: dict[str, tuple[list[str], list[str], list[str]]] = {
    "daily_usage": (
        ["usage_date", "source_system", "source_name", "tenant_id", "user_id", "provider", "model"],
        ["requests", "errors", "input_tokens", "output_tokens", "total_tokens", "cost_usd",
         "unpriced_requests"],
        [],
    ),
    "model_costs": (
        ["usage_date", "provider", "model"],
        ["requests", "errors", "input_tokens", "output_tokens", "total_tokens", "cost_usd",
         "unpriced_requests"],
        # a quotient rounded (DuckDB) or truncated (ClickHouse) to 12 decimals; a ratio
        ["cost_per_1k_requests_usd", "share_of_day_cost"],
    ),
    "latency_percentiles": (
        ["usage_date", "source_system", "source_name", "provider", "model"],
        ["requests_with_latency", "max_ms"],
        ["p50_ms", "p90_ms", "p95_ms", "p99_ms"],
    ),
}  # fmt: skip
FLOAT_TOL = 1e-9  # relative; absolute below 1e-12


def export_models_resolved(warehouse: Path, path: Path) -> Path:
    """The warehouse's raw -> canonical model mapping, as a Parquet file for chDB."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        con.sql(
            "select provider_raw, model_raw, provider, model, matched_model "
            "from staging.stg_landing__models_resolved"
        ).write_parquet(str(path))
    return path


def duckdb_marts(
    warehouse: Path, systems: Sequence[str] = chdb_marts.MAPPED
) -> dict[str, pl.DataFrame]:
    """Our three marts, of the calls of `systems` (default: the systems chDB maps). When
    they are every declared system, the marts as built; else the marts with a
    source_system in their grain, filtered on it, and model_costs (summed over every
    system) left out of the comparison: the comparison stays exact."""
    left_out = [s for s in SYSTEMS if s not in systems]
    listed = ", ".join("'" + s.replace("'", "''") + "'" for s in systems)
    out = {}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        for mart, (keys, exact, approx) in MARTS.items():
            columns = ", ".join(keys + exact + approx)
            if not left_out:
                out[mart] = con.sql(f"select {columns} from marts.{mart}").pl()
            elif "source_system" in keys:
                where = f"where source_system in ({listed})"
                out[mart] = con.sql(f"select {columns} from marts.{mart} {where}").pl()
    return out


def _same_float(a: pl.Expr, b: pl.Expr) -> pl.Expr:
    a, b = a.cast(pl.Float64), b.cast(pl.Float64)
    close = (a - b).abs() <= pl.max_horizontal(b.abs() * FLOAT_TOL, pl.lit(1e-12))
    return (a.is_null() & b.is_null()) | close.fill_null(False)


def compare_marts(
    ours: dict[str, pl.DataFrame], theirs: dict[str, pa.Table | pl.DataFrame], examples: int = 3
) -> list[str]:
    """Every difference between two sets of the three marts, as readable lines; [] = agree.

    Rows are matched on the mart's grain (NULL equals NULL); a row on one side only is a
    difference, and so is any figure that differs (exact for counts, tokens and decimal
    costs; within FLOAT_TOL for percentiles and ratios)."""
    problems: list[str] = []
    for mart, (keys, exact, approx) in MARTS.items():
        if mart not in ours:  # not comparable for the systems compared (duckdb_marts)
            continue
        a = ours[mart]
        b = theirs[mart]
        if not isinstance(b, pl.DataFrame):
            b = pl.from_arrow(b)
            assert isinstance(b, pl.DataFrame)
        b = b.select([pl.col(c).cast(a.schema[c]) for c in keys + exact + approx])
        j = a.join(b, on=keys, how="full", nulls_equal=True, suffix="_other", coalesce=True)
        in_ours = pl.col(exact[0]).is_not_null()
        in_theirs = pl.col(f"{exact[0]}_other").is_not_null()
        only_ours, only_theirs = j.filter(in_ours & ~in_theirs), j.filter(~in_ours & in_theirs)
        for label, rows in (("only in ours", only_ours), ("only in chDB", only_theirs)):
            if rows.height:
                problems.append(
                    f"{mart}: {rows.height} rows {label}, e.g. "
                    f"{rows.select(keys).head(examples).to_dicts()}"
                )
        both = j.filter(in_ours & in_theirs)
        checks = [(c, pl.col(c).eq_missing(pl.col(f"{c}_other"))) for c in exact]
        checks += [(c, _same_float(pl.col(c), pl.col(f"{c}_other"))) for c in approx]
        for col, same in checks:
            bad = both.filter(~same)
            if bad.height:
                problems.append(
                    f"{mart}.{col}: {bad.height} of {both.height} rows differ, e.g. "
                    f"{bad.select([*keys, col, f'{col}_other']).head(examples).to_dicts()}"
                )
        if a.height != b.height:
            problems.append(f"{mart}: {a.height} rows in ours, {b.height} in chDB")
    return problems
