"""Vectorised helpers shared by the per-system demo generators.

Everything here is a pure function of its arguments (and of the numpy Generator passed in),
so the generator stays deterministic: no wall clock, no global random state.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl
import pyarrow as pa

US_PER_S = 1_000_000
US_PER_DAY = 86_400 * US_PER_S
KST_OFFSET_US = 9 * 3600 * US_PER_S

_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
_BASE36 = np.frombuffer(b"0123456789abcdefghijklmnopqrstuvwxyz", dtype=np.uint8)
_UUID_NIBBLE_POS = np.array([i for i in range(36) if i not in (8, 13, 18, 23)])


# --------------------------------------------------------------------------- ids / strings


def _bytes_to_str(chars: np.ndarray) -> list[str]:
    """(n, k) uint8 ASCII matrix -> list of n Python str."""
    n, k = chars.shape
    if n == 0:
        return []
    return np.ascontiguousarray(chars).view(f"S{k}").ravel().astype(f"U{k}").tolist()


def uuid4s(rng: np.random.Generator, n: int) -> list[str]:
    """n random version-4 UUIDs as canonical 36-char lowercase text."""
    raw = rng.integers(0, 256, size=(n, 16), dtype=np.uint8)
    raw[:, 6] = (raw[:, 6] & 0x0F) | 0x40
    raw[:, 8] = (raw[:, 8] & 0x3F) | 0x80
    nibbles = np.empty((n, 32), dtype=np.uint8)
    nibbles[:, 0::2] = raw >> 4
    nibbles[:, 1::2] = raw & 0x0F
    out = np.full((n, 36), ord("-"), dtype=np.uint8)
    out[:, _UUID_NIBBLE_POS] = _HEX[nibbles]
    return _bytes_to_str(out)


def hex_strings(rng: np.random.Generator, n: int, length: int, prefix: str = "") -> list[str]:
    chars = _HEX[rng.integers(0, 16, size=(n, length))]
    body = _bytes_to_str(chars)
    return [prefix + s for s in body] if prefix else body


def cuids(rng: np.random.Generator, n: int) -> list[str]:
    """CUID-like ids: 'c' + 24 lowercase base36 characters."""
    chars = np.empty((n, 25), dtype=np.uint8)
    chars[:, 0] = ord("c")
    chars[:, 1:] = _BASE36[rng.integers(0, 36, size=(n, 24))]
    return _bytes_to_str(chars)


def pick(pool: Sequence[Any], idx: np.ndarray) -> list[Any]:
    """pool[idx] as a Python list (pool may hold str or None)."""
    arr = np.empty(len(pool), dtype=object)
    arr[:] = list(pool)
    return arr[idx].tolist()


def choice_idx(rng: np.random.Generator, n: int, probs: Sequence[float]) -> np.ndarray:
    p = np.asarray(probs, dtype=np.float64)
    return rng.choice(len(p), size=n, p=p / p.sum())


def with_nulls(values: Iterable[Any], mask: np.ndarray) -> list[Any]:
    """values as a list with None where mask is True."""
    out = values.tolist() if isinstance(values, np.ndarray) else list(values)
    for i in np.flatnonzero(mask).tolist():
        out[i] = None
    return out


def js(obj: Any) -> str:
    """JSON text as the apps write it (non-ASCII kept, like PostgreSQL JSONB / SQLAlchemy)."""
    return json.dumps(obj, ensure_ascii=False)


def json_escape(s: str) -> str:
    """The body of a JSON string literal for s (without the quotes)."""
    return json.dumps(s, ensure_ascii=False)[1:-1]


# --------------------------------------------------------------------------- time


def fmt_us(us: np.ndarray, *, millis: bool = False) -> list[str]:
    """Epoch microseconds -> 'YYYY-MM-DD HH:MM:SS.ffffff' (or '.fff' with millis=True)."""
    if len(us) == 0:
        return []
    s = pl.Series(np.asarray(us, dtype=np.int64)).cast(pl.Datetime("us"))
    return s.dt.strftime("%Y-%m-%d %H:%M:%S%.3f" if millis else "%Y-%m-%d %H:%M:%S%.6f").to_list()


def lognormal_ms(
    rng: np.random.Generator, median: np.ndarray | float, sigma: float, n: int
) -> np.ndarray:
    return np.asarray(median, dtype=np.float64) * np.exp(sigma * rng.standard_normal(n))


def grouped_times(
    rng: np.random.Generator,
    day_start_us: int,
    n: int,
    size_lo: int,
    size_hi: int,
    gap_lo_s: float,
    gap_hi_s: float,
    margin_s: float,
    forced_starts_us: Sequence[int] = (),
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """n call times inside one UTC day, grouped in sessions of size_lo..size_hi calls.

    Sessions start uniformly in [0, day - margin); calls follow at gaps of gap_lo..gap_hi
    seconds. The first sessions can be given fixed start offsets (forced_starts_us, offsets
    from day_start_us). Returns (times_us, session_index, position_in_session,
    session_sizes), times in call order (session by session).
    """
    if n == 0:
        e = np.zeros(0, dtype=np.int64)
        return e, e, e, e
    sizes = rng.integers(size_lo, size_hi + 1, size=n // size_lo + 1)
    cum = np.cumsum(sizes)
    k = int(np.searchsorted(cum, n))  # first session reaching n
    sizes = sizes[: k + 1].copy()
    sizes[k] -= int(cum[k] - n)
    if sizes[k] < size_lo and k > 0:  # fold a too-short tail into its predecessor
        sizes[k - 1] += sizes[k]
        sizes = sizes[:k]
    n_sess = len(sizes)
    starts = rng.integers(0, US_PER_DAY - int(margin_s * US_PER_S), size=n_sess)
    for i, off in enumerate(forced_starts_us[:n_sess]):
        starts[i] = off
    session = np.repeat(np.arange(n_sess), sizes)
    first = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    pos = np.arange(n) - first[session]
    gaps = rng.integers(int(gap_lo_s * US_PER_S), int(gap_hi_s * US_PER_S) + 1, size=n)
    gaps[pos == 0] = 0
    offs = np.cumsum(gaps)
    offs -= offs[first][session]  # cumulative gap inside each session
    times = day_start_us + starts[session] + offs
    return times.astype(np.int64), session, pos, sizes


# --------------------------------------------------------------------------- sqlite


@dataclass
class Table:
    name: str
    ddl: str
    indexes: tuple[str, ...] = ()


@dataclass
class DbWriter:
    """One SQLite file written table by table, one transaction per insert batch."""

    path: str
    tables: Sequence[Table]
    counts: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.conn = sqlite3.connect(self.path, isolation_level=None)
        self.conn.execute("PRAGMA journal_mode=OFF")
        self.conn.execute("PRAGMA synchronous=OFF")
        self.conn.execute("PRAGMA cache_size=-200000")
        for t in self.tables:
            self.conn.execute(t.ddl)
            self.counts[t.name] = 0
        self._ncols = {
            t.name: len(self.conn.execute(f'PRAGMA table_info("{t.name}")').fetchall())
            for t in self.tables
        }

    def insert(self, table: str, columns: Sequence[Sequence[Any]]) -> None:
        """Insert rows given column-wise (equal-length lists, table column order)."""
        if len(columns) != self._ncols[table]:
            raise ValueError(f"{table}: {len(columns)} columns given, {self._ncols[table]} exist")
        rows = list(zip(*columns, strict=True))
        if not rows:
            return
        marks = ",".join("?" * len(columns))
        self.conn.execute("BEGIN")
        self.conn.executemany(f'INSERT INTO "{table}" VALUES ({marks})', rows)
        self.conn.execute("COMMIT")
        self.counts[table] += len(rows)

    def close(self) -> None:
        self.conn.execute("BEGIN")
        for t in self.tables:
            for ix in t.indexes:
                self.conn.execute(ix)
        self.conn.execute("COMMIT")
        self.conn.close()


# --------------------------------------------------------------------------- truth

TRUTH_SCHEMA = pa.schema(
    [
        ("source_system", pa.string()),
        ("source_name", pa.string()),
        ("source_table", pa.string()),
        ("source_key", pa.string()),
        ("user_key", pa.string()),
        ("session_key", pa.string()),
        ("tenant_id", pa.string()),
        ("started_at", pa.timestamp("us", tz="UTC")),
        ("provider", pa.string()),
        ("model_raw", pa.string()),
        ("input_tokens", pa.int64()),
        ("output_tokens", pa.int64()),
        # of input_tokens, read from the prompt cache (OpenAI convention: included in input)
        ("cache_read_tokens", pa.int64()),
        # of output_tokens, spent on reasoning (included in output, billed as output)
        ("reasoning_tokens", pa.int64()),
        ("latency_ms", pa.float64()),
        ("status", pa.string()),
        ("error_message", pa.string()),
        ("reported_cost_usd", pa.float64()),
        # of input_tokens, written to the prompt cache (otel_genai, instagram_feed's Claude)
        ("cache_creation_tokens", pa.int64()),
        # time to the first streamed token or chunk (otel_genai only)
        ("time_to_first_token_ms", pa.float64()),
        # of cache_creation_tokens, written for 1 hour (instagram_feed's Claude only)
        ("cache_write_1h_tokens", pa.int64()),
        # made through the batch API (instagram_feed's Claude only; NULL: not recorded)
        ("is_batch", pa.bool_()),
    ]
)


def _num(values: Any, typ: pa.DataType, n: int, mask: np.ndarray | None) -> pa.Array:
    if values is None:
        return pa.nulls(n, typ)
    arr = np.asarray(values)
    return pa.array(arr.astype(typ.to_pandas_dtype()), type=typ, mask=mask)


def _str(values: Any, n: int) -> pa.Array:
    if values is None:
        return pa.nulls(n, pa.string())
    if isinstance(values, str):
        return pa.array([values] * n, type=pa.string())
    return pa.array(values, type=pa.string())


def truth_chunk(
    system: str,
    source_table: str,
    *,
    source_key: Sequence[str],
    started_at_us: np.ndarray,
    status_error: np.ndarray,
    user_key: Any = None,
    session_key: Any = None,
    tenant_id: Any = None,
    provider: Any = None,
    model_raw: Any = None,
    input_tokens: Any = None,
    output_tokens: Any = None,
    tokens_null: np.ndarray | None = None,
    cache_read_tokens: Any = None,
    reasoning_tokens: Any = None,
    token_details_null: np.ndarray | None = None,
    cache_read_null: np.ndarray | None = None,
    cache_creation_tokens: Any = None,
    cache_write_1h_tokens: Any = None,
    cache_write_null: np.ndarray | None = None,
    is_batch: Any = None,
    latency_ms: Any = None,
    latency_null: np.ndarray | None = None,
    error_message: Any = None,
    reported_cost_usd: Any = None,
) -> pa.Table:
    n = len(source_key)
    err = np.asarray(status_error, dtype=bool)
    status = np.where(err, "error", "success").tolist()
    cols = [
        _str(system, n),
        _str(f"demo_{system}", n),
        _str(source_table, n),
        _str(source_key, n),
        _str(user_key, n),
        _str(session_key, n),
        _str(tenant_id, n),
        pa.array(np.asarray(started_at_us, dtype=np.int64), type=pa.int64()).cast(
            pa.timestamp("us", tz="UTC")
        ),
        _str(provider, n),
        _str(model_raw, n),
        _num(input_tokens, pa.int64(), n, tokens_null),
        _num(output_tokens, pa.int64(), n, tokens_null),
        _num(
            cache_read_tokens,
            pa.int64(),
            n,
            token_details_null if cache_read_null is None else cache_read_null,
        ),
        _num(reasoning_tokens, pa.int64(), n, token_details_null),
        _num(latency_ms, pa.float64(), n, latency_null),
        _str(status, n),
        _str(error_message, n),
        _num(reported_cost_usd, pa.float64(), n, None),
        _num(cache_creation_tokens, pa.int64(), n, cache_write_null),
        pa.nulls(n, pa.float64()),
        _num(cache_write_1h_tokens, pa.int64(), n, cache_write_null),
        pa.nulls(n, pa.bool_()) if is_batch is None else pa.array(np.asarray(is_batch, bool)),
    ]
    return pa.Table.from_arrays(cols, schema=TRUTH_SCHEMA)
