"""What every notebook under notebooks/ shares: where the warehouse is, a read-only
connection that never blocks a refresh, one colour per model, and money formatting
that never turns an unknown cost into $0.

Kept out of the notebooks so that the four of them agree (a model has the same colour
everywhere) and so that the logic is tested once.
"""

from __future__ import annotations

import atexit
import datetime as dt
import re
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

import altair as alt
import duckdb
import polars as pl

from warehouse.paths import data_dir

# Labels for NULL dimensions, so a chart never silently drops a group.
NO_MODEL = "(no model)"
NO_TENANT = "(no tenant)"
NO_USER = "(no user)"

# Spelt out so that the colour of a model does not depend on a renderer's scheme table:
# the model list is sorted, and the i-th model gets the i-th colour. vega's tableau10,
# then ten more hues none of which is a near twin of the first ten (d3's category10,
# used here before, repeats tableau10's blue, orange, green and red: the 1st and 11th
# model looked alike).
PALETTE = [
    "#4c78a8", "#f58518", "#e45756", "#72b7b2", "#54a24b", "#eeca3b", "#b279a2",
    "#ff9da6", "#9d755d", "#bab0ac", "#a0cbe8", "#ffbe7d", "#8cd17d", "#b6992d",
    "#499894", "#d37295", "#79706e", "#d4a6c8", "#003f5c", "#8f2d56",
]  # fmt: skip

# Sources get their own scheme (ColorBrewer Dark2), so a source is not read as a model.
SOURCE_PALETTE = [
    "#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d", "#666666",
]  # fmt: skip

# How long a notebook waits for a refresh holding the write lock before saying so.
LOCK_WAIT_S = 3.0

# A table shows every row up to this many; past it, the first TABLE_MAX_ROWS rows of its
# order, and says so ("100 of 2,345 rows shown").
TABLE_MAX_ROWS = 100


class WarehouseBusy(RuntimeError):
    """The warehouse file is locked by a writer (a refresh) for longer than we wait."""


def warehouse_path() -> Path:
    path = data_dir() / "warehouse.duckdb"
    if not path.is_file():
        raise FileNotFoundError(
            f"No warehouse at {path}: build it first (`make build`), "
            "or point WAREHOUSE_DATA_DIR at the directory holding warehouse.duckdb."
        )
    return path


class _SharedConnection:
    """One read-only connection per process, closed after IDLE_S without a query.

    DuckDB lets one process write a file, or any number read it: a notebook that kept a
    connection open would stop the next `dbt build` from opening the warehouse. Opening
    one per query costs 40-170 ms (the catalog is read each time), which adds up over a
    notebook's dozen queries; so queries that follow each other (a notebook run) share one
    connection, each through its own cursor (safe across marimo's session threads), and
    it is closed as soon as the notebook has been idle for IDLE_S seconds.
    """

    IDLE_S = 1.0

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._con: duckdb.DuckDBPyConnection | None = None
        self._path: Path | None = None
        self._users = 0
        self._timer: threading.Timer | None = None

    def acquire(self, path: Path, wait_s: float) -> duckdb.DuckDBPyConnection:
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            if self._con is not None and self._path != path:
                if self._users:
                    raise RuntimeError("one process reads one warehouse at a time")
                self._con.close()
                self._con = None
            if self._con is None:
                self._con = _open_read_only(path, wait_s)
                self._con.execute("set TimeZone = 'UTC'")
                self._path = path
            self._users += 1
            return self._con.cursor()

    def release(self) -> None:
        with self._lock:
            self._users -= 1
            if self._users == 0:
                self._timer = threading.Timer(self.IDLE_S, self.close_if_idle)
                self._timer.daemon = True
                self._timer.start()

    def close_if_idle(self) -> None:
        with self._lock:
            if self._users == 0 and self._con is not None:
                self._con.close()
                self._con = None

    def shutdown(self) -> None:
        """At exit: no timer may close a connection while the interpreter winds down
        (DuckDB aborts the process when that races with finalisation)."""
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            if self._con is not None:
                self._con.close()
                self._con = None

    @property
    def is_open(self) -> bool:
        return self._con is not None


_SHARED = _SharedConnection()
atexit.register(_SHARED.shutdown)


def close() -> None:
    """Close the shared connection now (e.g. before handing the warehouse to a writer)."""
    _SHARED.shutdown()


def _open_read_only(path: Path, wait_s: float) -> duckdb.DuckDBPyConnection:
    deadline = time.monotonic() + wait_s
    while True:
        try:
            return duckdb.connect(str(path), read_only=True)
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower():
                raise
            if time.monotonic() >= deadline:
                raise WarehouseBusy(
                    f"{path} is being written (a refresh is running); try again when it ends"
                ) from exc
            time.sleep(0.2)


@contextmanager
def connect(wait_s: float = LOCK_WAIT_S) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only cursor on the warehouse; the connection closes when the notebook idles.

    While a refresh holds the write lock, retry for ``wait_s`` seconds, then raise
    WarehouseBusy.
    """
    cursor = _SHARED.acquire(warehouse_path(), wait_s)
    try:
        cursor.execute("set TimeZone = 'UTC'")
        yield cursor
    finally:
        cursor.close()
        _SHARED.release()


def query(sql: str, params: dict[str, Any] | None = None) -> pl.DataFrame:
    """Run one query on a short-lived read-only connection; values bound as parameters.

    ``params`` may hold more than the query uses (one dict of filters serves every
    query of a notebook): only the ``$name``s that occur in ``sql`` are bound.
    """
    used = set(re.findall(r"\$(\w+)", sql))
    bound = {k: v for k, v in (params or {}).items() if k in used}
    with connect() as con:
        return con.sql(sql, params=bound).pl()


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


def _scale(names: Sequence[str], palette: Sequence[str], shown: Any = None) -> alt.Scale:
    """Colours by position in the full sorted list ``names`` (so a name keeps its colour
    in every chart), with the domain (and so the legend) cut to the names in ``shown``
    (any iterable, e.g. a frame's column) when given: a legend lists only what is drawn."""
    colours = {n: palette[i % len(palette)] for i, n in enumerate(names)}
    keep = list(names) if shown is None else [n for n in names if n in set(shown)]
    return alt.Scale(domain=keep, range=[colours[n] for n in keep])


def model_scale(models: Sequence[str], shown: Any = None) -> alt.Scale:
    """The same colour for a model in every chart of every notebook."""
    return _scale(models, PALETTE, shown)


def model_color(
    models: Sequence[str], field: str = "model", title: str = "Model", shown: Any = None
) -> alt.Color:
    """A model's colour; ``shown``: the models the chart draws (its legend lists those)."""
    return alt.Color(f"{field}:N", title=title, scale=model_scale(models, shown))


def table(
    frame: pl.DataFrame, *, max_rows: int = TABLE_MAX_ROWS, order: str | None = None, **kwargs: Any
) -> Any:
    """A table of every row of ``frame``, on one page; past ``max_rows`` rows, the first
    ``max_rows`` (``frame``'s own order, described by ``order``) and "N of M rows shown".

    Not paged: marimo sends a paged table's first page only and fetches the others from
    the running kernel, which an offline report does not have (a model was missing from
    the cost report's 10-row page). Extra keyword arguments go to ``mo.ui.table``.
    """
    import marimo as mo

    shown = frame.head(max_rows).drop(surrogate_key_columns(frame))
    kwargs["format_mapping"] = {**readable_formats(shown), **kwargs.get("format_mapping", {})}
    kwargs.setdefault("wrapped_columns", wide_text_columns(shown))
    grid = mo.ui.table(shown, selection=None, pagination=False, **kwargs)
    if shown.height == frame.height:
        return grid
    note = f"{shown.height:,} of {frame.height:,} rows shown" + (f", {order}" if order else "")
    return mo.vstack([mo.md(f"*{note}.*"), grid])


# A text column whose longest value is longer than this wraps in a table instead of
# widening it past the page.
WRAP_CHARS = 30


def surrogate_key_columns(frame: pl.DataFrame) -> list[str]:
    """Columns that only hold md5 surrogate keys (``unpriced_model_id``): they mean
    nothing to a reader and take a wide column, so a table leaves them out."""
    return [
        name
        for name, dtype in frame.schema.items()
        if name.endswith("_id")
        and dtype == pl.String
        and frame.height
        and frame[name].drop_nulls().str.contains("^[0-9a-f]{32}$").all()
    ]


def _minutes(value: dt.datetime | None) -> str:
    return "" if value is None else value.strftime("%Y-%m-%d %H:%M")


def readable_formats(frame: pl.DataFrame) -> dict[str, Any]:
    """Display formats for a table: counts with thousands separators (not the ids, years
    and hours that happen to be integers: columns named ``*_id``, ``*year*``), costs
    (Decimal or ``*_usd`` columns) by ``usd``, so a sub-cent cost never reads $0.00,
    percentages and minutes (``*_pct``, ``minutes``) with one decimal, so 1.0 does not
    read 1 beside 6.8, and times to the minute."""
    formats: dict[str, Any] = {}
    for name, dtype in frame.schema.items():
        if dtype.is_integer() and not (name.endswith("_id") or "year" in name):
            formats[name] = count
        elif isinstance(dtype, pl.Decimal) or (dtype.is_float() and name.endswith("_usd")):
            formats[name] = usd
        elif dtype.is_float() and (name.endswith("_pct") or name == "minutes"):
            formats[name] = one_decimal
        elif isinstance(dtype, pl.Datetime):
            formats[name] = _minutes  # UTC (the connection's time zone), to the minute
    return formats


def wide_text_columns(frame: pl.DataFrame) -> list[str]:
    """The text columns with a value longer than WRAP_CHARS: wrapped, so the table fits."""
    return [
        name
        for name, dtype in frame.schema.items()
        if dtype == pl.String
        and frame.height
        and (frame[name].str.len_chars().max() or 0) > WRAP_CHARS  # type: ignore[operator]
    ]


def source_names() -> list[str]:
    """Every source of the warehouse, sorted (for the colour scale)."""
    frame = query("select distinct source_name from marts.daily_usage order by source_name")
    return frame["source_name"].to_list()


def source_color(
    sources: Sequence[str], field: str = "source_name", shown: Any = None
) -> alt.Color:
    """The same colour for a source in every chart of every notebook; ``shown``: the
    sources the chart draws (its legend lists those)."""
    return alt.Color(f"{field}:N", title="Source", scale=_scale(sources, SOURCE_PALETTE, shown))


def usd(value: Decimal | float | None, places: int = 2) -> str:
    """Dollars for display; an unknown (NULL) cost is "unknown", never $0.

    A non-zero cost never reads as $0.00: below a cent it gets two significant digits
    ($0.0042, $0.000013), so a sub-cent call or user is told apart from a free one.
    """
    if value is None:
        return "unknown"
    v = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    if v != 0 and abs(v) < Decimal(10) ** -places:
        # digits after the point: the first significant one and the next
        places = -abs(v).adjusted() + 1
    return f"${v:,.{places}f}"


def one_decimal(value: float | None) -> str:
    """A percentage or a duration to one decimal, with thousands separators; NULL as an en
    dash."""
    if value is None:
        return "–"
    return f"{value:,.1f}"


def count(value: int | float | None) -> str:
    """A count with thousands separators; NULL as an en dash."""
    if value is None:
        return "–"
    return f"{int(value):,}"


def wilson_interval(errors: int, calls: int, z: float = 1.96) -> tuple[float, float]:
    """95 % Wilson score interval of a rate errors / calls, as percentages.

    One failed call out of one is "somewhere between 21 % and 100 %", not a 100 % spike.
    """
    if calls <= 0:
        return (0.0, 100.0)
    p = errors / calls
    denom = 1 + z * z / calls
    centre = (p + z * z / (2 * calls)) / denom
    half = z * ((p * (1 - p) / calls + z * z / (4 * calls * calls)) ** 0.5) / denom
    return (100 * max(0.0, centre - half), 100 * min(1.0, centre + half))


def wilson_sql(errors: str, calls: str, z: float = 1.96) -> tuple[str, str]:
    """SQL for the lower and upper bound (percent) of wilson_interval(errors, calls)."""
    p = f"(cast({errors} as double) / nullif({calls}, 0))"
    n = f"nullif({calls}, 0)"
    zz = z * z
    centre = f"(({p} + {zz} / (2 * {n})) / (1 + {zz} / {n}))"
    half = f"({z} * sqrt({p} * (1 - {p}) / {n} + {zz} / (4 * {n} * {n})) / (1 + {zz} / {n}))"
    return (
        f"100 * greatest(0.0, {centre} - {half})",
        f"100 * least(1.0, {centre} + {half})",
    )


# A rate over fewer calls than this is drawn grey and hollow, with its interval: too few
# calls to read anything from the point itself.
MIN_RATE_CALLS = 20


def masked_message_sql(column: str) -> str:
    """SQL: an error message with its ids and numbers masked, so that one message repeated
    with a thousand request ids or durations counts as one: UUIDs, hex strings of 8 or
    more characters and prefixed ids (``req_…``, ``chatcmpl-…``) as <id>, numbers that
    stand alone (``429``, ``30000ms``; not the 4 of ``gpt-4o``) as <n>, whitespace
    collapsed."""
    rules = [
        ("[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}", "<id>"),
        (r"\b(req|chatcmpl|call|run|msg|resp|job)[-_][0-9A-Za-z_-]+", "<id>"),
        (r"\b[0-9a-fA-F]{8,}\b", "<id>"),
        (r"\b[0-9]+(\.[0-9]+)?(ms|s)?\b", "<n>"),
        (r"\s+", " "),
    ]
    sql = column
    for pattern, mask in rules:
        sql = f"regexp_replace({sql}, '{pattern}', '{mask}', 'g')"
    return f"trim({sql})"


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
