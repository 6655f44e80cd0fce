"""The reader of otel_genai sources: a folder of OTLP/JSON trace exports.

Files, in name order: ``*.jsonl`` (one ``ExportTraceServiceRequest`` per line, what the
OpenTelemetry Collector's file exporter writes), ``*.json`` (one request per file), and
either gzip-compressed (``*.jsonl.gz``, ``*.json.gz``). Spans are flattened
(resourceSpans → scopeSpans → spans), their AnyValue attributes decoded, and each GenAI
span becomes one landed row (``ingest/systems/otel_genai.py`` maps the attributes).

Incremental: the reader remembers, per file, how far it read (byte offset and line) and a
hash of the file's first bytes. A file read to its end is not read again; a ``.jsonl`` that
grew is read from where the last run stopped (only whole lines: a line still being
written waits for the next run); a file whose first bytes changed (rewritten, truncated)
or a compressed or ``.json`` file whose size or modification time changed is read again
from the start, and ingest lands only
the rows that differ from what already landed. The marks are published with the landed
files, so a killed run leaves them as they were.

Bad input lands as a row to be set aside by dbt, never stopping the file: a line that is
not JSON or not a trace export (``unreadable``), a span without ids or times, or whose
end is before its start, or with an attribute that cannot be read as its field's kind.
"""

from __future__ import annotations

import base64
import binascii
import gzip
import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa

from ingest.config import Source
from ingest.systems import Table
from ingest.systems import otel_genai as og

BATCH_ROWS = 65_536
_HEAD_BYTES = 1024
_EXPORT_SUFFIXES = (".jsonl", ".json", ".jsonl.gz", ".json.gz")
_STATUS = {0: "STATUS_CODE_UNSET", 1: "STATUS_CODE_OK", 2: "STATUS_CODE_ERROR"}
_KIND = {
    0: "SPAN_KIND_UNSPECIFIED", 1: "SPAN_KIND_INTERNAL", 2: "SPAN_KIND_SERVER",
    3: "SPAN_KIND_CLIENT", 4: "SPAN_KIND_PRODUCER", 5: "SPAN_KIND_CONSUMER",
}  # fmt: skip
_MAX_NS = 2**63 - 1


def is_export(path: Path) -> bool:
    return path.is_file() and path.name.endswith(_EXPORT_SUFFIXES)


# --------------------------------------------------------------------------- OTLP/JSON values


def any_value(v: Any) -> Any:
    """An OTLP AnyValue as a Python value. ``intValue`` is a JSON string in OTLP/JSON
    (64-bit integers), read as int; one that is not an integer stays text, for the
    mapping to report as unreadable."""
    if not isinstance(v, dict):
        return v
    if "stringValue" in v:
        return v["stringValue"]
    if "intValue" in v:
        raw = v["intValue"]
        try:
            return int(raw)
        except (TypeError, ValueError):
            return raw
    if "doubleValue" in v:
        raw = v["doubleValue"]
        try:
            return float(raw)  # "NaN", "Infinity" are JSON strings here
        except (TypeError, ValueError):
            return raw
    if "boolValue" in v:
        return v["boolValue"]
    if "arrayValue" in v:
        return [any_value(x) for x in (v["arrayValue"] or {}).get("values", []) or []]
    if "kvlistValue" in v:
        return attributes((v["kvlistValue"] or {}).get("values", []))
    if "bytesValue" in v:
        return v["bytesValue"]
    return None


def attributes(items: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if isinstance(items, list):
        for kv in items:
            if isinstance(kv, dict) and isinstance(kv.get("key"), str):
                out[kv["key"]] = any_value(kv.get("value"))
    return out


def hex_id(raw: Any, size: int) -> str | None:
    """A trace (16 bytes) or span (8 bytes) id as lowercase hex: OTLP/JSON writes hex;
    some exporters write the protobuf JSON mapping's base64. All zeros is no id."""
    if not isinstance(raw, str) or not raw:
        return None
    text = raw.strip().lower()
    if len(text) == size * 2 and all(c in "0123456789abcdef" for c in text):
        out = text
    else:
        try:
            data = base64.b64decode(raw, validate=True)
        except (binascii.Error, ValueError):
            return None
        if len(data) != size:
            return None
        out = data.hex()
    return None if set(out) == {"0"} else out


def unix_nano(raw: Any) -> int | None:
    """Unix nanoseconds (a JSON string in OTLP/JSON); 0 or missing is unset."""
    try:
        ns = int(raw)
    except (TypeError, ValueError):
        return None
    return ns if 0 < ns <= _MAX_NS else None


def _code(raw: Any, names: dict[int, str], prefix: str) -> str | None:
    if raw is None:
        return None
    if isinstance(raw, int) and not isinstance(raw, bool):
        return names.get(raw, str(raw))
    if isinstance(raw, str):
        return raw if raw.startswith(prefix) else f"{prefix}{raw.upper()}"
    return str(raw)


# --------------------------------------------------------------------------- one request


def _blank() -> dict[str, Any]:
    return dict.fromkeys(og.COLUMN_NAMES)


def _bad_line(file: str, line: int, why: str) -> dict[str, Any]:
    row = _blank()
    row.update(record_key=f"{file}:{line}", source_file=file, source_line=line, unreadable=why)
    return row


def spans_of_request(
    doc: Any, file: str, line: int, source: Source
) -> Iterator[tuple[str, dict[str, Any]]]:
    """(landed table, row) for each GenAI span of one ExportTraceServiceRequest."""
    if not isinstance(doc, dict):
        yield og.LLM_TABLE, _bad_line(file, line, "line=not a JSON object")
        return
    if "resourceSpans" not in doc:
        if doc.keys() & {"resourceMetrics", "resourceLogs", "resourceProfiles"}:
            return  # another signal's export in the same folder: not traces, not bad
        yield og.LLM_TABLE, _bad_line(file, line, "line=not an OTLP trace export")
        return
    index = 0
    for rs in doc.get("resourceSpans") or []:
        if not isinstance(rs, dict):
            continue
        resource = attributes((rs.get("resource") or {}).get("attributes"))
        scopes = rs.get("scopeSpans") or rs.get("instrumentationLibrarySpans") or []
        for ss in scopes:
            if not isinstance(ss, dict):
                continue
            scope = ss.get("scope") or ss.get("instrumentationLibrary") or {}
            for span in ss.get("spans") or []:
                index += 1
                if not isinstance(span, dict):
                    continue
                attrs = attributes(span.get("attributes"))
                if not og.is_genai(attrs):
                    continue
                yield _span_row(span, attrs, resource, scope, file, line, index, source)


def _text(v: Any) -> str | None:
    return None if v is None else str(v)


def _span_row(
    span: dict, attrs: dict[str, Any], resource: dict[str, Any], scope: dict,
    file: str, line: int, index: int, source: Source,
) -> tuple[str, dict[str, Any]]:  # fmt: skip
    trace_id = hex_id(span.get("traceId"), 16)
    span_id = hex_id(span.get("spanId"), 8)
    start, end = unix_nano(span.get("startTimeUnixNano")), unix_nano(span.get("endTimeUnixNano"))
    events = []
    for ev in span.get("events") or []:
        if isinstance(ev, dict):
            events.append(
                (str(ev.get("name")), unix_nano(ev.get("timeUnixNano")),
                 attributes(ev.get("attributes")))
            )  # fmt: skip
    row = _blank()
    row.update(og.map_span(attrs, start, events, source.store_content))
    status = span.get("status") or {}
    row.update(
        record_key=f"{trace_id}:{span_id}" if trace_id and span_id else f"{file}:{line}:{index}",
        source_file=file,
        source_line=line,
        trace_id=trace_id,
        span_id=span_id,
        parent_span_id=hex_id(span.get("parentSpanId"), 8),
        span_name=_text(span.get("name")),
        span_kind=_code(span.get("kind"), _KIND, "SPAN_KIND_"),
        start_time=start // 1000 if start else None,
        end_time=end // 1000 if end else None,
        status_code=_code(status.get("code"), _STATUS, "STATUS_CODE_"),
        status_message=_text(status.get("message")) or None,
        service_name=_text(resource.get("service.name")),
        tenant=_text(resource.get(source.tenant_attribute)),
        scope_name=_text(scope.get("name")),
        scope_version=_text(scope.get("version")) or None,
    )
    if row["error_type"] is None and row["status_code"] == "STATUS_CODE_ERROR":
        for name, _t, a in events:  # the exception event's type, where error.type is absent
            if name == "exception" and a.get("exception.type") is not None:
                row["error_type"] = str(a["exception.type"])
                break
    placed = trace_id and span_id and start and end and end >= start and not row["unreadable"]
    is_call = og.is_call(row["operation_name"], row)
    return (og.LLM_TABLE if is_call or not placed else og.STEP_TABLE), row


# --------------------------------------------------------------------------- files


def _head(path: Path, n: int) -> str:
    with open(path, "rb") as f:
        return hashlib.sha256(f.read(n)).hexdigest()


def _lines(path: Path, offset: int) -> tuple[list[bytes], int, bool]:
    """Whole lines of a .jsonl from `offset`: (lines, the offset after the last one
    taken, whether a last line without its newline was taken because it is complete)."""
    with open(path, "rb") as f:
        f.seek(offset)
        data = f.read()
    cut = data.rfind(b"\n") + 1
    lines = data[:cut].splitlines()
    rest = data[cut:]
    if not rest.strip():
        return lines, offset + len(data), False
    try:
        json.loads(rest)
    except ValueError:
        return lines, offset + cut, False  # still being written: the next run takes it
    return [*lines, rest], offset + len(data), True


def _schema(table: Table) -> pa.Schema:
    return pa.schema([pa.field(c.name, c.kind.arrow_type) for c in table.columns])


def _record_batch(schema: pa.Schema, rows: list[dict[str, Any]]) -> pa.RecordBatch:
    arrays = [pa.array([r[f.name] for r in rows], f.type) for f in schema]
    return pa.RecordBatch.from_arrays(arrays, schema=schema)


class _Batches:
    """Rows per table of otel_genai, turned into Arrow batches of BATCH_ROWS as they come."""

    def __init__(self) -> None:
        self.schemas = {t.name: _schema(t) for t in og.SYSTEM.tables}
        self.pending: dict[str, list[dict[str, Any]]] = {name: [] for name in self.schemas}
        self.batches: dict[str, list[pa.RecordBatch]] = {name: [] for name in self.schemas}

    def add(self, table: str, row: dict[str, Any]) -> None:
        self.pending[table].append(row)
        if len(self.pending[table]) >= BATCH_ROWS:
            self._flush(table)

    def _flush(self, table: str) -> None:
        if self.pending[table]:
            self.batches[table].append(_record_batch(self.schemas[table], self.pending[table]))
            self.pending[table] = []

    def done(self) -> dict[str, list[pa.RecordBatch]]:
        for table in self.schemas:
            self._flush(table)
        return self.batches


class OtlpReader:
    """Presents a folder of OTLP/JSON exports as the two tables of otel_genai."""

    dialect = "otlp"
    place = "folder"

    def __init__(self, source: Source):
        self.source = source
        self.root = source.folder_path()
        if not self.root.is_dir():
            from ingest.readers import SourceError

            raise SourceError(f"source {source.name}: folder not found: {self.root}")
        self._marks: dict[str, dict | None] = {}
        self._parsed: dict[str, tuple[dict[str, list[pa.RecordBatch]], dict]] = {}

    def tables(self) -> set[str]:
        return {t.name for t in og.SYSTEM.tables}

    def columns(self, table: str) -> set[str]:
        return set(og.COLUMN_NAMES)

    # ---- incremental: where the previous run stopped in each file
    def resume(self, table: str, marks: dict | None) -> None:
        self._marks[table] = marks

    def file_marks(self, table: str) -> dict:
        return self._parse(table)[1]

    def _parse(self, table: str) -> tuple[dict[str, list[pa.RecordBatch]], dict]:
        marks = self._marks.get(table) or {}
        key = json.dumps(marks, sort_keys=True)
        if key not in self._parsed:
            self._parsed[key] = self._read_all(marks)
        return self._parsed[key]

    def _read_all(self, marks: dict) -> tuple[dict[str, list[pa.RecordBatch]], dict]:
        """Every span of the files new or grown since `marks`, per table, as Arrow
        batches: the rows of a batch are Python dicts only until it fills (a dict per
        span for the whole folder held ~4 GiB at 1.5M spans), and the file marks."""
        rows = _Batches()
        new_marks: dict[str, dict] = {}
        for path in sorted(p for p in self.root.iterdir() if is_export(p)):
            name = path.name
            stat = path.stat()
            size = stat.st_size
            head_len = min(size, _HEAD_BYTES)
            head = _head(path, head_len)
            old = marks.get(name)
            same_start = (
                old is not None
                and size >= old.get("offset", 0)
                and _head(path, old.get("head_len", 0)) == old.get("head")
            )
            if name.endswith((".gz", ".json")):
                unchanged = (
                    old and old.get("size") == size and old.get("mtime_ns") == stat.st_mtime_ns
                )
                if same_start and unchanged and old is not None:
                    new_marks[name] = old
                    continue
                try:
                    docs = self._whole(path)
                except (OSError, EOFError) as e:  # a truncated or corrupt gzip file
                    rows.add(og.LLM_TABLE, _bad_line(name, 0, f"file=cannot be read ({e})"))
                    docs = []
                new_marks[name] = {"offset": size, "size": size, "head": head,
                                   "head_len": head_len, "lines": len(docs),
                                   "mtime_ns": stat.st_mtime_ns}  # fmt: skip
            else:
                start, first = (old["offset"], old["lines"]) if same_start and old else (0, 0)
                lines, offset, _ = _lines(path, start)
                docs = [(first + i + 1, raw) for i, raw in enumerate(lines)]
                new_marks[name] = {"offset": offset, "size": size, "head": head,
                                   "head_len": head_len, "lines": first + len(lines)}  # fmt: skip
            for number, raw in docs:
                if not raw.strip():
                    continue
                try:
                    doc = json.loads(raw)
                except ValueError as e:
                    bad = _bad_line(name, number, f"line=not JSON ({getattr(e, 'msg', e)})")
                    rows.add(og.LLM_TABLE, bad)
                    continue
                for table, row in spans_of_request(doc, name, number, self.source):
                    rows.add(table, row)
        return rows.done(), new_marks

    @staticmethod
    def _whole(path: Path) -> list[tuple[int, bytes]]:
        if path.name.endswith(".gz"):
            with gzip.open(path, "rb") as f:
                data = f.read()
        else:
            data = path.read_bytes()
        if path.name.endswith(".jsonl.gz"):
            return [(i + 1, raw) for i, raw in enumerate(data.splitlines())]
        return [(1, data)]

    def batches(self, table: Table, present: set[str], since: object) -> Iterator[pa.RecordBatch]:
        parsed = self._parse(table.name)[0][table.name]
        yield from parsed or [_record_batch(_schema(table), [])]

    def close(self) -> None:
        pass
