"""Cast: a reader's Arrow batch → the allowlisted columns as their kinds' Arrow types.

Used by ingest.extract on every batch before it lands, by ingest.readers to compare a
folder export's cursor column with the cursor, and by ingest.landing for the row fields
of the landed schema. It imports none of them: imports go readers → cast and
landing → cast, never back.

Bad values never stop a source: a value that cannot be read as its column's kind lands
as NULL and is named in the row's ``_unreadable`` field; text that is not valid UTF-8 or
is mojibake is kept and flagged (ingest/text_health.py). Personal data is pseudonymized
here (ingest/pseudonym.py), so its clear text never reaches a file.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from ingest import sql_facts, text_facts, text_health
from ingest.pseudonym import hmac_array
from ingest.systems import Column, Kind, Table

# Per row, beside the allowlisted columns (bad input is kept, flagged, accounted for):
# _unreadable: `column=value` pairs ("; "-separated) of values that could not be read as
#   their column's kind (e.g. 'yesterday' in a DATETIME column); the value lands as NULL
#   and dbt sets a call row aside with the rule unreadable_value.
# _text_issues, _text_repaired, _text_original_hex: ingest/text_health.py.
UNREADABLE_FIELD = pa.field("_unreadable", pa.string())
ROW_FIELDS = [UNREADABLE_FIELD, *text_health.FIELDS]


def row_fields(table: Table) -> list[pa.Field]:
    """ROW_FIELDS, the SQL facts of a table holding generated SQL (ingest/sql_facts.py) and
    the language of a table's generated text (ingest/text_facts.py)."""
    return [
        *ROW_FIELDS,
        *(sql_facts.FIELDS if table.sql_column else []),
        *(text_facts.FIELDS if table.language_column else []),
    ]


# SQLite values of a numeric column stored as text (or a fraction in an integer column)
# come from the reader beside the column, under this prefix, to be read strictly here.
SIDE_PREFIX = "__text_"


def cast_table(t: pa.Table | pa.RecordBatch, table: Table, key: bytes | None = None) -> pa.Table:
    """Every allowlisted column as its kind's Arrow type, personal data pseudonymized
    with `key`, plus the row fields (ROW_FIELDS). A value that cannot be read as its kind
    lands as NULL and is named in `_unreadable`; nothing stops the source for one row."""
    if isinstance(t, pa.RecordBatch):
        t = pa.Table.from_batches([t])
    n = t.num_rows
    unreadable: dict[int, list[str]] = {}
    arrays, texts, originals = [], {}, {}
    for col in table.columns:
        arr = t[col.name].combine_chunks()
        target = col.kind.arrow_type
        if arr.type != target:
            try:
                arr = _cast(arr, col.kind, target)
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                arr = _cast_each(arr, col.kind, target, col.name, unreadable)
        side = SIDE_PREFIX + col.name
        if side in t.column_names:
            arr = _merge_side(arr, t[side].combine_chunks(), col, target, unreadable)
        if col.pseudonymize:
            if key is None:
                raise ValueError("a pseudonymization key is required")
            arr = hmac_array(arr, key)
        elif col.kind in (Kind.TEXT, Kind.JSON, Kind.UUID):
            arr, originals[col.name] = text_health.valid_utf8(arr)
            if col.kind is not Kind.UUID:
                texts[col.name] = arr
        arrays.append(arr)
    bad: list[str | None] = [None] * n
    for i, items in unreadable.items():
        bad[i] = "; ".join(items)
    arrays += [pa.array(bad, pa.string()), *text_health.scan(texts, n, originals)]
    names = [c.name for c in table.columns]
    if table.sql_column:
        arrays += sql_facts.scan(arrays[names.index(table.sql_column)])
    if table.language_column:
        arrays += text_facts.scan(arrays[names.index(table.language_column)])
    schema = table.schema
    for f in row_fields(table):
        schema = schema.append(f)
    return pa.Table.from_arrays(arrays, schema=schema)


def _cast(arr: pa.Array, kind: Kind, target: pa.DataType) -> pa.Array:
    if kind is Kind.BOOL and pa.types.is_integer(arr.type):
        return pc.not_equal(arr, 0)
    if kind is Kind.BOOL and pa.types.is_string(arr.type):
        low = pc.utf8_lower(arr)
        out = pc.is_in(low, pa.array(["1", "true", "t", "yes"]))
        return pc.if_else(pc.is_null(low), pa.scalar(None, pa.bool_()), out)
    if pa.types.is_timestamp(target) and pa.types.is_timestamp(arr.type):
        return _retime(arr, target)
    if pa.types.is_null(arr.type):
        return pa.nulls(len(arr), target)
    return arr.cast(target)


def _cast_each(
    arr: pa.Array, kind: Kind, target: pa.DataType, name: str, unreadable: dict[int, list[str]]
) -> pa.Array:
    """The slow path, for a batch holding a value that does not cast: value by value."""
    out: list[object] = []
    for i, value in enumerate(arr.to_pylist()):
        if value is None:
            out.append(None)
            continue
        try:
            out.append(_cast(pa.array([value], arr.type), kind, target)[0].as_py())
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
            out.append(None)
            unreadable.setdefault(i, []).append(f"{name}={value!r}")
    return pa.array(out, target)


def _merge_side(
    arr: pa.Array,
    side: pa.Array,
    col: Column,
    target: pa.DataType,
    unreadable: dict[int, list[str]],
) -> pa.Array:
    """Fill `arr` from the reader's text values of a numeric column, read strictly."""
    if side.null_count == len(side):
        return arr
    values = arr.to_pylist()
    for i, text in enumerate(side.to_pylist()):
        if text is None:
            continue
        try:
            values[i] = pa.array([text.strip()], pa.string()).cast(target)[0].as_py()
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            values[i] = None
            unreadable.setdefault(i, []).append(f"{col.name}={text!r}")
    return pa.array(values, target)


def _retime(arr, target: pa.TimestampType):
    if arr.type.tz is None and target.tz is None:
        return arr.cast(target)
    if arr.type.tz is not None and target.tz is not None:
        return arr.cast(pa.timestamp(target.unit, tz=arr.type.tz)).cast(target)
    if arr.type.tz is not None:  # an instant where a naive time was declared: keep UTC
        return pc.local_timestamp(arr.cast(pa.timestamp(target.unit, tz="UTC")))
    return arr.cast(pa.timestamp(target.unit)).cast(target)  # naive read as UTC
