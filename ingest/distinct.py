"""A value computed from text once per distinct text of a column: generated text repeats
(the same SQL, the same ad copy), and parsing or classifying it is the slow part."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import pyarrow as pa

T = TypeVar("T")


def per_distinct(arr: pa.Array, fn: Callable[[str | None], T]) -> list[T]:
    """`fn` of each value of `arr`, in row order, called once per distinct value."""
    cache: dict[str | None, T] = {}
    out = []
    for value in arr.to_pylist():
        if value not in cache:
            cache[value] = fn(value)
        out.append(cache[value])
    return out
