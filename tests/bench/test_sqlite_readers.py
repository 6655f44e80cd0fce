"""bench.sqlite_readers.differences: the check that a candidate SQLite reader's landed
table is ADBC's, value for value (issue #18). Hand-made tables: each kind of difference
must be reported, equal tables must not."""

from __future__ import annotations

import pyarrow as pa

from bench.sqlite_readers import differences

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
