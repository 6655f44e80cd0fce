"""bench.sqlite_readers (issue #18): `differences`, the check that a candidate SQLite
reader's landed table is ADBC's, value for value (hand-made tables: each kind of difference
must be reported, equal tables must not); and the benchmark reads only SQLite sources."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa

from bench.sqlite_readers import call_tables, differences

WANT = pa.table({"id": pa.array([1, 2, 3], pa.int64()), "text": ["a", None, "c"]})


def test_equal_tables_have_no_difference() -> None:
    same = pa.table({"id": pa.array([1, 2, 3], pa.int64()), "text": ["a", None, "c"]})
    assert differences(same, WANT) is None


def test_a_value_read_as_null_is_a_difference() -> None:
    # the way a lax reader loses an unreadable value: NULL where ADBC has it
    got = pa.table({"id": pa.array([1, 2, 3], pa.int64()), "text": ["a", None, None]})
    assert differences(got, WANT) == "text: 1 rows (row 2: None vs 'c')"


def test_changed_value_missing_row_type_and_order() -> None:
    changed = pa.table({"id": pa.array([1, 2, 4], pa.int64()), "text": ["a", None, "c"]})
    assert differences(changed, WANT) == "id: 1 rows (row 2: 4 vs 3)"
    fewer = WANT.slice(0, 2)
    assert differences(fewer, WANT) == "rows: 2 vs 3"
    as_float = WANT.set_column(0, "id", pa.array([1.0, 2.0, 3.0]))
    assert differences(as_float, WANT) == "types: id: double vs int64"
    reordered = WANT.take([2, 0, 1])
    assert differences(reordered, WANT) == "same rows, other order"


def test_only_sqlite_sources_are_read(tmp_path: Path) -> None:
    # the demo's sources file: five SQLite systems and otel_genai's folder of trace files
    (tmp_path / "sources.toml").write_text(
        "".join(
            f'[[source]]\nname = "demo_{s}"\nsystem = "{s}"\nurl = "sqlite:///{s}.db"\n\n'
            for s in ("ml_gateway", "trip_planner")
        )
        + '[[source]]\nname = "demo_otel_genai"\nsystem = "otel_genai"\nurl = "otel_genai"\n',
        encoding="utf-8",
    )
    # in SYSTEMS' order, with each system's own call table
    assert call_tables(tmp_path) == [("trip_planner", "generations"), ("ml_gateway", "chat_logs")]
