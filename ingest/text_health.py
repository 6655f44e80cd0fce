"""Text health (docs/bad_input.md): mojibake and invalid UTF-8 in prompts, responses and errors.

The landing zone keeps each text as the source gave it. Beside it, per row:
- ``_text_issues``: ``column:issue`` pairs, comma-separated, ``issue`` one of
  ``mojibake`` (UTF-8 read as Latin-1/cp1252 somewhere upstream, repaired) or
  ``invalid_utf8`` (bytes that are not UTF-8: a driver replaces them with U+FFFD, so
  there is nothing left to repair);
- ``_text_repaired``: a JSON object ``{column: repaired text}`` for the mojibake repairs;
- ``_text_original_hex``: a JSON object ``{column: hex of the source's bytes}`` for values
  that were not UTF-8. The ADBC SQLite driver passes a TEXT value's bytes through as they
  are, and Parquet and DuckDB need valid UTF-8, so such a value lands decoded with U+FFFD
  for each bad byte, its exact bytes kept here (nothing is lost, nothing crashes).

Repairs use ``ftfy.fix_encoding`` only (no quote, width or HTML changes): it undoes an
encoding mix-up when its badness heuristic is sure, and leaves text that merely holds
accented letters alone. Only values holding a character that mojibake of UTF-8 must
contain (a Latin-1 lead byte U+00C2..U+00F4, or U+FFFD) are looked at in Python, so
clean ASCII, Hangul or CJK text costs one vectorized regex scan.
"""

from __future__ import annotations

import json

import ftfy
import pyarrow as pa
import pyarrow.compute as pc

ISSUES_FIELD = pa.field("_text_issues", pa.string())
REPAIRED_FIELD = pa.field("_text_repaired", pa.string())
ORIGINAL_FIELD = pa.field("_text_original_hex", pa.string())
FIELDS = [ISSUES_FIELD, REPAIRED_FIELD, ORIGINAL_FIELD]

_CANDIDATE = "[\u00c2-\u00f4\ufffd]"
REPLACEMENT = "\ufffd"


def diagnose(text: str) -> tuple[str | None, str | None]:
    """(issue, repaired text) of one value: (None, None) when it is healthy."""
    if REPLACEMENT in text:
        return "invalid_utf8", None
    fixed = ftfy.fix_encoding(text)
    if fixed != text:
        return "mojibake", fixed
    return None, None


def valid_utf8(arr: pa.Array) -> tuple[pa.Array, dict[int, str]]:
    """`arr` with every value valid UTF-8, and {row: hex of the original bytes} of the
    values that were not."""
    try:
        arr.validate(full=True)
        return arr, {}
    except pa.ArrowInvalid:
        pass
    originals: dict[int, str] = {}
    values: list[str | None] = []
    for i, raw in enumerate(arr.view(pa.binary()).to_pylist()):
        if raw is None:
            values.append(None)
            continue
        try:
            values.append(raw.decode("utf-8"))
        except UnicodeDecodeError:
            values.append(raw.decode("utf-8", errors="replace"))
            originals[i] = raw.hex()
    return pa.array(values, arr.type), originals


def scan(
    columns: dict[str, pa.Array], num_rows: int, originals: dict[str, dict[int, str]]
) -> list[pa.Array]:
    """The FIELDS arrays for a batch's text columns (already made valid by valid_utf8,
    whose findings come in `originals`: {column: {row: hex}})."""
    issues: dict[int, list[str]] = {}
    repaired: dict[int, dict[str, str]] = {}
    original: dict[int, dict[str, str]] = {}
    for name, rows in originals.items():
        for i, hexed in rows.items():
            original.setdefault(i, {})[name] = hexed
    for name, arr in columns.items():
        if arr.null_count == len(arr):
            continue
        hit = pc.match_substring_regex(arr, _CANDIDATE)
        if not pc.any(hit).as_py():
            continue
        rows = pc.indices_nonzero(pc.fill_null(hit, False)).to_pylist()
        values = arr.take(pa.array(rows, pa.int64())).to_pylist()
        for i, value in zip(rows, values, strict=True):
            issue, fixed = diagnose(value)
            if issue is None:
                continue
            issues.setdefault(i, []).append(f"{name}:{issue}")
            if fixed is not None:
                repaired.setdefault(i, {})[name] = fixed
    return [
        _column({i: ",".join(items) for i, items in issues.items()}, num_rows),
        _column({i: json.dumps(f, ensure_ascii=False) for i, f in repaired.items()}, num_rows),
        _column({i: json.dumps(o) for i, o in original.items()}, num_rows),
    ]


def _column(values: dict[int, str], num_rows: int) -> pa.Array:
    out: list[str | None] = [None] * num_rows
    for i, v in values.items():
        out[i] = v
    return pa.array(out, pa.string())
