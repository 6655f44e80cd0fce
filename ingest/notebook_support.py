"""What every notebook under notebooks/ shares: where the warehouse is, a read-only
connection that never blocks a refresh, one colour per model, and money formatting
that never turns an unknown cost into $0.

Kept out of the notebooks so that the four of them agree (a model has the same colour
everywhere) and so that the logic is tested once.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

import altair as alt
import duckdb
import polars as pl

REPO_ROOT = Path(__file__).resolve().parents[1]

# Labels for NULL dimensions, so a chart never silently drops a group.
NO_MODEL = "(no model)"
NO_TENANT = "(no tenant)"
NO_USER = "(no user)"

# tableau20, spelt out so that the colour of a model does not depend on a renderer's
# scheme table: the model list is sorted, and the i-th model gets the i-th colour.
PALETTE = [
    "#4c78a8", "#f58518", "#e45756", "#72b7b2", "#54a24b", "#eeca3b", "#b279a2",
    "#ff9da6", "#9d755d", "#bab0ac", "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728",
    "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
]  # fmt: skip

# How long a notebook waits for a refresh holding the write lock before saying so.
LOCK_WAIT_S = 3.0


class WarehouseBusy(RuntimeError):
    """The warehouse file is locked by a writer (a refresh) for longer than we wait."""


def data_dir() -> Path:
    """WAREHOUSE_DATA_DIR, else data/ at the repository root (as every make target)."""
    return Path(os.environ.get("WAREHOUSE_DATA_DIR") or REPO_ROOT / "data").resolve()


def warehouse_path() -> Path:
    path = data_dir() / "warehouse.duckdb"
    if not path.is_file():
        raise FileNotFoundError(
            f"No warehouse at {path}: build it first (`make build`), "
            "or point WAREHOUSE_DATA_DIR at the directory holding warehouse.duckdb."
        )
    return path


@contextmanager
def connect(wait_s: float = LOCK_WAIT_S) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection, closed as soon as the block ends.

    DuckDB lets one process write a file, or any number read it. A notebook that kept
    a connection open would stop `dbt build` from opening the warehouse, so each query
    opens and closes its own (a few ms). While a refresh holds the write lock, retry for
    ``wait_s`` seconds, then raise WarehouseBusy.
    """
    path = warehouse_path()
    deadline = time.monotonic() + wait_s
    while True:
        try:
            con = duckdb.connect(str(path), read_only=True)
            break
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower():
                raise
            if time.monotonic() >= deadline:
                raise WarehouseBusy(
                    f"{path} is being written (a refresh is running); try again when it ends"
                ) from exc
            time.sleep(0.2)
    try:
        con.execute("set TimeZone = 'UTC'")
        yield con
    finally:
        con.close()


def query(sql: str, params: dict[str, Any] | None = None) -> pl.DataFrame:
    """Run one query on a short-lived read-only connection; values bound as parameters.

    ``params`` may hold more than the query uses (one dict of filters serves every
    query of a notebook): only the ``$name``s that occur in ``sql`` are bound.
    """
    used = set(re.findall(r"\$(\w+)", sql))
    bound = {k: v for k, v in (params or {}).items() if k in used}
    with connect() as con:
        return con.sql(sql, params=bound).pl()


def relations() -> set[str]:
    """Every table and view of the warehouse, as ``schema.name``."""
    frame = query("select table_schema || '.' || table_name as name from information_schema.tables")
    return set(frame["name"].to_list())


def find_relation(name: str, present: set[str]) -> str | None:
    """``schema.name`` of a model built by another issue, if it exists yet (marts first)."""
    matches = sorted(r for r in present if r.split(".", 1)[1] == name)
    if f"marts.{name}" in matches:
        return f"marts.{name}"
    return matches[0] if matches else None


def date_bounds() -> tuple[dt.date, dt.date]:
    """First and last UTC day with usage; today twice on an empty warehouse."""
    first, last = query(
        "select min(usage_date) as first_day, max(usage_date) as last_day from marts.model_costs"
    ).row(0)
    if first is None:
        first = last = dt.datetime.now(dt.UTC).date()
    return first, last


def model_names() -> list[str]:
    """Every model of the warehouse (not of the window), sorted, NULL as NO_MODEL."""
    frame = query(
        "select distinct coalesce(model, $none) as model from marts.model_costs",
        {"none": NO_MODEL},
    )
    return sorted(frame["model"].to_list()) or [NO_MODEL]


def model_scale(models: Sequence[str]) -> alt.Scale:
    """The same colour for a model in every chart of every notebook."""
    colours = [PALETTE[i % len(PALETTE)] for i in range(len(models))]
    return alt.Scale(domain=list(models), range=colours)


def model_color(models: Sequence[str], field: str = "model", title: str = "Model") -> alt.Color:
    return alt.Color(f"{field}:N", title=title, scale=model_scale(models))


def usd(value: Decimal | float | None, places: int = 2) -> str:
    """Dollars for display; an unknown (NULL) cost is "unknown", never $0."""
    if value is None:
        return "unknown"
    return f"${value:,.{places}f}"


def pct(part: float | int | None, whole: float | int | None) -> str:
    if not whole or part is None:
        return "–"
    return f"{100 * part / whole:.1f} %"


def for_chart(frame: pl.DataFrame) -> pl.DataFrame:
    """Decimals as floats: altair cannot serialise Decimal, and a chart needs no cents."""
    return frame.with_columns(pl.col(pl.Decimal).cast(pl.Float64))


def in_list_filter(column: str, param: str) -> str:
    """SQL: ``column`` is one of the list parameter, or the list is empty (= all)."""
    return f"(len(${param}) = 0 or list_contains(${param}, {column}))"
