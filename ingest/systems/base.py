"""What a source system module declares: its tables, their allowlisted columns and keys.

Nothing outside these declarations is ever selected from a source, so a secret column
that is not listed here cannot land (docs/warehouse.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

import pyarrow as pa


class Kind(Enum):
    """Logical column kinds; each maps to one Arrow type in the landing zone."""

    INT = "int"
    FLOAT = "float"
    BOOL = "bool"
    TEXT = "text"
    JSON = "json"  # JSON/JSONB documents, landed as their text
    UUID = "uuid"  # landed as canonical text
    TS = "ts"  # naive timestamp, read in the source's timezone by dbt
    TSTZ = "tstz"  # instant, landed in UTC

    @property
    def arrow_type(self) -> pa.DataType:
        return _ARROW[self]


_ARROW = {
    Kind.INT: pa.int64(),
    Kind.FLOAT: pa.float64(),
    Kind.BOOL: pa.bool_(),
    Kind.TEXT: pa.string(),
    Kind.JSON: pa.string(),
    Kind.UUID: pa.string(),
    Kind.TS: pa.timestamp("us"),
    Kind.TSTZ: pa.timestamp("us", tz="UTC"),
}


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind
    required: bool = True
    # An SQL expression (written by the system module, never taken from config) that
    # replaces the plain column, e.g. to blank a value in rows flagged sensitive.
    expression: str | None = None
    # Personal data (emails, IPs): lands as HMAC-SHA256 hex under <name>_hmac (docs/warehouse.md).
    pseudonymize: bool = False

    @property
    def landed_name(self) -> str:
        return f"{self.name}_hmac" if self.pseudonymize else self.name


@dataclass(frozen=True)
class Table:
    name: str
    key: tuple[str, ...]
    columns: tuple[Column, ...]
    optional: bool = False  # a missing optional table is a warning, not an error
    description: str = ""
    # Incremental extraction: an int column that only grows (autoincrement id), or a
    # timestamp re-read over the source's look-back window for late or updated rows.
    # None: the table is small or has no reliable cursor and is re-read in full.
    cursor: str | None = None
    # A text column holding SQL an LLM generated: its facts land beside it
    # (ingest/sql_facts.py), read with sqlglot at landing time.
    sql_column: str | None = None
    # A text column an LLM wrote: its language lands beside it (ingest/text_facts.py).
    language_column: str | None = None

    def __post_init__(self) -> None:
        names = [c.name for c in self.columns]
        for col in (self.sql_column, self.language_column):
            if col and col not in names:
                raise ValueError(f"table {self.name}: {col} is not an allowlisted column")
        for k in (*self.key, *([self.cursor] if self.cursor else [])):
            if k not in names:
                raise ValueError(f"table {self.name}: {k} is not an allowlisted column")
            if self.column(k).pseudonymize:
                raise ValueError(f"table {self.name}: {k} is a key: it cannot be pseudonymized")
        if self.cursor and self.column(self.cursor).kind not in (Kind.INT, Kind.TS, Kind.TSTZ):
            raise ValueError(f"table {self.name}: cursor {self.cursor} must be int or timestamp")

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)

    @property
    def schema(self) -> pa.Schema:
        """The landed schema (pseudonymized columns under their <name>_hmac names)."""
        return pa.schema([pa.field(c.landed_name, c.kind.arrow_type) for c in self.columns])


@dataclass(frozen=True)
class ModelColumns:
    """Where a system's calls name their model: SQL over the landed columns of `table`
    (ingest/sql_text.py helpers), exactly as its staging model computes `provider_raw`
    and `model_raw` (NULL for a system that records no provider). The model-name
    reference table is built from these (ingest/models_resolved.py)."""

    table: str
    provider: str
    model: str


@dataclass(frozen=True)
class System:
    name: str
    default_timezone: str
    tables: tuple[Table, ...]
    # the table with one row per LLM call (what "its N calls" counts)
    call_table: str = ""
    description: str = ""
    notes: dict[str, str] = field(default_factory=dict)
    # Freshness (marts.source_freshness): hours since a source's newest landed call row
    # (`_loaded_at` of its call table; the small tables land only when they change, so
    # their age says nothing) after which the source warns, and errors (which fails the
    # build and the nightly). Each system module says why its values fit its traffic.
    freshness_warn_hours: float = 36.0
    freshness_error_hours: float = 60.0
    # Token limits per user the app itself enforces, {"hour"|"day"|"month": tokens}: what
    # a source of this system gets when its sources.toml entry has no `quota` key
    # (marts.quota_breaches). Empty: the app enforces none that we know of.
    default_quota: dict[str, int] = field(default_factory=dict)
    # where its calls name their model (above)
    model_columns: ModelColumns | None = None
    # A source of this system that is not a database: "module:Class" of its reader (e.g.
    # a folder of exported files), used whatever its url's scheme; None: read by scheme.
    reader: str | None = None
    # sources.toml keys only a source of this system may set (read by ingest/config.py)
    source_keys: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not 0 < self.freshness_warn_hours <= self.freshness_error_hours:
            raise ValueError(f"system {self.name}: need 0 < freshness warn <= error hours")
        if self.call_table and self.call_table not in {t.name for t in self.tables}:
            raise ValueError(f"system {self.name}: call table {self.call_table} is not declared")
        if self.model_columns and self.model_columns.table not in {t.name for t in self.tables}:
            raise ValueError(
                f"system {self.name}: model table {self.model_columns.table} is not declared"
            )

    def table(self, name: str) -> Table:
        for t in self.tables:
            if t.name == name:
                return t
        raise KeyError(name)


def cols(spec: str, *, required: bool = True) -> tuple[Column, ...]:
    """Compact column lists: ``cols("id:int name:text created_at:ts email:text:pii")``;
    a third part ``pii`` marks personal data to pseudonymize."""
    out = []
    for item in spec.split():
        name, kind, *flags = item.split(":")
        out.append(Column(name, Kind(kind), required=required, pseudonymize="pii" in flags))
    return tuple(out)
