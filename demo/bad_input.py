"""Planted bad input (docs/bad_input.md): ``python -m warehouse demo --bad-input``.

Each kind in CATALOGUE adds `count` new rows to a generated source, copies of the
table's newest row under a fresh key with one thing made wrong, and records what the
warehouse must do with each in ``truth/bad_input.parquet``: set it aside under a rule,
or keep it with a flag (and, where there is one, the repaired value). The clean calls of
``truth/generations.parquet`` are left as they were, so every other figure still
matches the truth; the test of the catalogue is ``tests/e2e/test_bad_input.py`` and the
docs are ``docs/bad_input.md``.

Two kinds need more than a row: a second row with the same key (a primary key forbids
it in the databases, so it comes as an exported JSONL file, a folder source of the
ml_gateway system) and an extra column (a column added to a source table). The
otel_genai export folder gets a file of bad lines and spans (OTEL_KINDS).
"""

from __future__ import annotations

import json
import pathlib
import sqlite3
import uuid
from dataclasses import dataclass, field

import pyarrow as pa
import pyarrow.parquet as pq

from ingest.systems import SYSTEMS

from . import _otel_genai

_NS = uuid.UUID("6f1d3c1e-8a55-4f51-9b55-2f6b0c1d0bad")

KOREAN = "서울 2박 3일 맛집 위주로 일정 짜줘"
ERROR = "Rate limit reached for gpt-4o — retry in 20 s"
BAD_BYTES = b"caf\xe9 \xff\xfe r\xe9sum\xe9"  # Latin-1 and stray bytes: not UTF-8


def _mojibake(text: str) -> str:
    """UTF-8 read as Windows-1252, or as Latin-1 where a byte has no cp1252 letter
    (Hangul's bytes often do not: the seeds' own mojibake shows C1 controls)."""
    try:
        return text.encode("utf-8").decode("cp1252")
    except UnicodeDecodeError:
        return text.encode("utf-8").decode("latin-1")


@dataclass(frozen=True)
class Raw:
    """A value inserted as raw bytes in a TEXT column (``cast(? as text)``)."""

    data: bytes


@dataclass(frozen=True)
class Kind:
    kind: str
    system: str
    table: str
    set: dict = field(default_factory=dict)
    count: int = 2
    rule: str | None = None  # set aside under this rule; None: kept
    flag: str | None = None  # kept with this generations column true
    # the kept row's generations column and the value it must hold there
    expect: tuple[str, object] | None = None
    note: str = ""


CATALOGUE: tuple[Kind, ...] = (
    # ---- set aside: counted facts that cannot be true or placed
    Kind("negative_tokens", "ai_process_log", "ai_process_log", {"token_input": -7},
         rule="negative_tokens"),
    Kind("absurd_tokens", "text2sql", "query_analytics", {"completion_tokens": 10_000_001},
         rule="absurd_tokens"),
    Kind("negative_latency", "instagram_feed", "instagram_feeds", {"latency_ms": -12.5},
         rule="negative_latency"),
    Kind("absurd_latency", "ml_gateway", "chat_logs", {"duration": 100_000_000},
         rule="absurd_latency"),
    Kind("timestamp_before_2020", "ai_process_log", "ai_process_log",
         {"created_at": "2019-07-01 10:00:00"}, rule="timestamp_before_2020"),
    Kind("timestamp_in_future", "trip_planner", "generations",
         {"created_at": "2099-01-01 00:00:00"}, rule="timestamp_in_future"),
    Kind("missing_timestamp", "trip_planner", "generations", {"created_at": None},
         rule="missing_timestamp"),
    Kind("missing_key", "ml_gateway", "chat_logs", {"id": None}, rule="missing_key",
         note="a TEXT primary key in SQLite accepts NULL"),
    Kind("unreadable_timestamp", "text2sql", "query_analytics", {"timestamp": "yesterday"},
         rule="unreadable_value"),
    Kind("unreadable_number", "ai_process_log", "ai_process_log", {"token_output": "n/a"},
         rule="unreadable_value", note="SQLite's CAST would have read it as 0"),
    Kind("fractional_tokens", "trip_planner", "generations", {"prompt_tokens": 12.5},
         rule="unreadable_value", note="SQLite's CAST would have read it as 12"),
    # ---- kept, repaired and flagged: the call happened and cost money
    Kind("total_tokens_mismatch", "text2sql", "query_analytics", {"total_tokens": 1},
         flag="has_total_tokens_mismatch", expect=("reported_total_tokens", 1)),
    Kind("unparseable_descriptive_json", "trip_planner", "generations",
         {"parsed_output": '{"days": [1, 2'}, flag="has_unparseable_json"),
    Kind("unparseable_token_json", "instagram_feed", "instagram_feeds",
         {"token_usage": "{prompt_tokens: 12"}, flag="has_unparseable_json",
         note="the token columns are present and win"),
    Kind("mojibake_prompt", "ml_gateway", "chat_logs", {"prompt": _mojibake(KOREAN)},
         flag="has_repaired_text"),
    Kind("mojibake_error", "ml_gateway", "chat_logs", {"error": _mojibake(ERROR)},
         flag="has_repaired_text", expect=("error_message", ERROR)),
    Kind("invalid_utf8_response", "ml_gateway", "chat_logs", {"response": Raw(BAD_BYTES)},
         flag="has_invalid_utf8"),
    Kind("invalid_utf8_error", "text2sql", "query_analytics",
         {"error_message": Raw(b"timeout \xc3\x28 at row 7"), "success": 0},
         flag="has_invalid_utf8", expect=("error_message", "timeout \ufffd( at row 7")),
    Kind("no_model", "ai_process_log", "ai_process_log", {"model": None}, flag="has_no_model",
         expect=("cost_status", "no_model")),
    Kind("blank_model", "trip_planner", "generations", {"model_name": "  "},
         flag="has_no_model", expect=("cost_status", "no_model")),
    Kind("unknown_model", "text2sql", "query_analytics", {"llm_model": "acme-mystery-9000"},
         expect=("cost_status", "unpriced_model")),
)  # fmt: skip

# one kind each outside CATALOGUE's row plants
DUPLICATE_KIND = "duplicate_key"
EXTRA_COLUMN_KIND = "extra_column"
EXPORT_SOURCE = "demo_gateway_export"
EXPORT_DIR = "exports"
OTEL_DIR, OTEL_SOURCE = _otel_genai.FOLDER, _otel_genai.SOURCE
OTEL_FILE = "bad-input.jsonl"


def _key_kind(db: sqlite3.Connection, table: str, key: str) -> str:
    for _cid, name, decl, *_ in db.execute(f'pragma table_info("{table}")'):
        if name == key:
            return "int" if "INT" in decl.upper() else "text"
    raise KeyError(f"{table}.{key}")


def plant(tmp: pathlib.Path, final_dir: pathlib.Path) -> int:
    """Plant every kind into the databases in `tmp` (about to become `final_dir`); write
    truth/bad_input.parquet; return how many rows were planted."""
    rows: list[dict] = []
    by_db: dict[str, list[Kind]] = {}
    for k in CATALOGUE:
        by_db.setdefault(k.system, []).append(k)
    for system, kinds in by_db.items():
        db = sqlite3.connect(tmp / f"{system}.db")
        templates = {  # each table's newest generated row, taken before any plant
            k.table: db.execute(f'select * from "{k.table}" order by rowid desc limit 1').fetchone()
            for k in kinds
        }
        for k in kinds:
            key = SYSTEMS[system].table(k.table).key[0]
            key_kind = _key_kind(db, k.table, key)
            cols = [r[1] for r in db.execute(f'pragma table_info("{k.table}")')]
            template = templates[k.table]
            next_int = db.execute(f'select coalesce(max("{key}"), 0) from "{k.table}"').fetchone()[
                0
            ]
            for i in range(k.count):
                values = dict(zip(cols, template, strict=True))
                if key_kind == "int":
                    next_int += 1
                    values[key] = next_int
                else:
                    values[key] = str(uuid.uuid5(_NS, f"{system}.{k.table}.{k.kind}.{i}"))
                values.update(k.set)
                marks = ["cast(? as text)" if isinstance(v, Raw) else "?" for v in values.values()]
                params = [v.data if isinstance(v, Raw) else v for v in values.values()]
                names = ", ".join(f'"{c}"' for c in values)
                db.execute(f'insert into "{k.table}" ({names}) values ({", ".join(marks)})', params)
                rows.append(_truth(k, f"demo_{system}", values[key]))
        if system == "ml_gateway":  # an extra column: carried nowhere, never fatal
            db.execute("alter table chat_logs add column internal_note text")
            db.execute("update chat_logs set internal_note = 'ops: do not bill'")
            rows.append(
                {
                    "kind": EXTRA_COLUMN_KIND,
                    "source_name": "demo_ml_gateway",
                    "source_table": "chat_logs",
                    "source_key": None,
                    "outcome": "ignored",
                    **dict.fromkeys(("rule", "flag", "expect_column", "expect_value")),
                }
            )
        db.commit()
        db.close()
    rows += _export_with_duplicates(tmp / EXPORT_DIR)
    rows += _otel_bad_spans(tmp / OTEL_DIR)
    with open(tmp / "sources.toml", "a", encoding="utf-8") as f:
        f.write(
            "\n# --bad-input: an exported file with the same id twice (one row is kept)\n"
            f'[[source]]\nname = "{EXPORT_SOURCE}"\nsystem = "ml_gateway"\n'
            f'url = "{(final_dir / EXPORT_DIR).as_posix()}"\n'
        )
    table = pa.Table.from_pylist(rows, schema=TRUTH_SCHEMA)
    pq.write_table(table, tmp / "truth" / "bad_input.parquet", compression="zstd")
    return len(rows)


TRUTH_SCHEMA = pa.schema(
    [
        ("kind", pa.string()),
        ("source_name", pa.string()),
        ("source_table", pa.string()),
        ("source_key", pa.string()),  # NULL for missing_key and extra_column
        ("outcome", pa.string()),  # set_aside | kept | ignored
        ("rule", pa.string()),
        ("flag", pa.string()),
        ("expect_column", pa.string()),
        ("expect_value", pa.string()),  # JSON
    ]
)


def _truth(k: Kind, source_name: str, key) -> dict:
    return {
        "kind": k.kind,
        "source_name": source_name,
        "source_table": k.table,
        "source_key": None if key is None else str(key),
        "outcome": "set_aside" if k.rule else "kept",
        "rule": k.rule,
        "flag": k.flag,
        "expect_column": k.expect[0] if k.expect else None,
        "expect_value": json.dumps(k.expect[1], ensure_ascii=False) if k.expect else None,
    }


def _export_with_duplicates(folder: pathlib.Path) -> list[dict]:
    folder.mkdir()
    calls = [
        {"id": f"exp-{i}", "createdAt": f"2025-06-20 10:00:0{i}.000", "prompt": "p",
         "model": "gpt-4o", "response": "r", "duration": 500 + i, "error": None}
        for i in range(5)
    ]  # fmt: skip
    lines = [*calls, calls[1], calls[3]]  # exp-1 and exp-3 twice
    (folder / "chat_logs.jsonl").write_text(
        "".join(json.dumps(c) + "\n" for c in lines), encoding="utf-8"
    )
    out = []
    for c in calls:
        dup = c["id"] in ("exp-1", "exp-3")
        out.append(
            {
                "kind": DUPLICATE_KIND if dup else "export_row",
                "source_name": EXPORT_SOURCE,
                "source_table": "chat_logs",
                "source_key": c["id"],
                "outcome": "kept",
                **dict.fromkeys(("rule", "flag", "expect_column", "expect_value")),
            }
        )
        if dup:
            out.append({**out[-1], "outcome": "set_aside", "rule": "duplicate_key"})
    return out


# otel_genai: (kind, rule, how the span differs from a good one); None: the line itself
OTEL_KINDS: tuple[tuple[str, str, dict[str, int | None] | None], ...] = (
    ("otel_line_not_json", "unreadable_value", None),
    ("otel_span_without_id", "missing_key", {"spanId": None}),
    ("otel_negative_tokens", "negative_tokens", {"tokens": -7}),
    ("otel_end_before_start", "negative_latency", {"end": -1_000_000}),
    ("otel_span_without_end", "missing_timestamp", {"endTimeUnixNano": None}),
)


def _otel_bad_spans(folder: pathlib.Path) -> list[dict]:
    """One line per kind in the otel_genai folder's bad-input.jsonl: a line cut short,
    and spans with one thing wrong (each its own trace); the rest of the file lands."""
    lines, out = [], []
    start_ns = 1_750_680_000_000_000_000  # 2025-06-23 12:00 UTC
    for i, (kind, rule, change) in enumerate(OTEL_KINDS):
        number = i + 1
        trace, span_id = f"{0xBAD0 + i:032x}", f"{0xBAD0 + i:016x}"
        if change is None:
            lines.append('{"resourceSpans":[{"resource":{"attributes":[')
            key = f"{OTEL_FILE}:{number}"
        else:
            attrs = [
                {"key": "gen_ai.operation.name", "value": {"stringValue": "chat"}},
                {"key": "gen_ai.provider.name", "value": {"stringValue": "openai"}},
                {"key": "gen_ai.request.model", "value": {"stringValue": "gpt-4o-mini"}},
                {"key": "gen_ai.usage.input_tokens",
                 "value": {"intValue": str(change.get("tokens", 120))}},
                {"key": "gen_ai.usage.output_tokens", "value": {"intValue": "30"}},
            ]  # fmt: skip
            span = {
                "traceId": trace, "spanId": span_id, "name": "chat gpt-4o-mini", "kind": 3,
                "startTimeUnixNano": str(start_ns + i * 10**9),
                "endTimeUnixNano": str(start_ns + i * 10**9 + (change.get("end") or 500_000_000)),
                "attributes": attrs,
            }  # fmt: skip
            for field_name in ("spanId", "endTimeUnixNano"):
                if field_name in change:
                    del span[field_name]
            res = {"attributes": [{"key": "service.name", "value": {"stringValue": "flaky"}}]}
            doc = {"resourceSpans": [{"resource": res, "scopeSpans": [{"spans": [span]}]}]}
            lines.append(json.dumps(doc, separators=(",", ":")))
            key = f"{OTEL_FILE}:{number}:1" if "spanId" in change else f"{trace}:{span_id}"
        out.append(
            {
                "kind": kind,
                "source_name": OTEL_SOURCE,
                "source_table": "llm_spans",
                "source_key": key,
                "outcome": "set_aside",
                "rule": rule,
                **dict.fromkeys(("flag", "expect_column", "expect_value")),
            }
        )
    (folder / OTEL_FILE).write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return out
