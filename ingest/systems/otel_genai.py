"""otel_genai: OpenTelemetry GenAI spans, as the Collector's file exporter writes them.

Any app instrumented with OpenTelemetry (OpenLLMetry/Traceloop, OpenLIT, OpenInference,
Logfire, Pydantic AI, ...) is a source of this system: ``url`` is a folder of OTLP/JSON
trace exports (``ingest/otlp.py`` reads them). Quirks: the GenAI conventions are still
in development and instrumentations write several generations of names (dialects), so
every field is read from each dialect's name, the standard one winning; a span whose
dialects disagree is flagged (``dialect_conflicts``). Message content never lands unless
the source sets ``store_content = true``.

Two landed tables: ``llm_spans`` (one row per model call span, the call table; a line
that is not JSON or a span that cannot be placed lands here too, to be set aside) and
``step_spans`` (agent, tool, retrieval and workflow spans: the steps around the calls).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ingest.sql_text import blank_as_null
from ingest.systems.base import ModelColumns, System, Table, cols

LLM_TABLE = "llm_spans"
STEP_TABLE = "step_spans"

# The landed columns, the same for both tables (a step span carries no tokens, mostly).
_COLUMNS = cols(
    "record_key:text source_file:text source_line:int unreadable:text "
    "trace_id:text span_id:text parent_span_id:text span_name:text span_kind:text "
    "start_time:tstz end_time:tstz status_code:text status_message:text error_type:text "
    "service_name:text tenant:text scope_name:text scope_version:text "
    "operation_name:text provider:text request_model:text response_model:text "
    "input_tokens:int output_tokens:int cache_read_input_tokens:int "
    "cache_creation_input_tokens:int reasoning_output_tokens:int total_tokens:int "
    "reported_cost_usd:float time_to_first_token_ms:float "
    "conversation_id:text user_id:text agent_name:text tool_name:text workflow_name:text "
    "data_source_id:text dialect:text dialect_conflicts:text "
    "input_messages:json output_messages:json"
)
COLUMN_NAMES = tuple(c.name for c in _COLUMNS)

SYSTEM = System(
    name="otel_genai",
    default_timezone="UTC",  # OTLP times are Unix nanoseconds: instants, never local
    description="OpenTelemetry GenAI spans (OTLP/JSON files from the Collector's file exporter).",
    call_table=LLM_TABLE,
    model_columns=ModelColumns(
        LLM_TABLE,
        blank_as_null("provider"),
        f"coalesce({blank_as_null('response_model')}, {blank_as_null('request_model')})",
    ),
    reader="ingest.otlp:OtlpReader",
    source_keys=("tenant_attribute", "store_content"),
    # Instrumented apps export continuously; the folder only grows while the Collector
    # runs. warn 36 h = one nightly refresh missed plus 12 h of slack; error 60 h = two
    # nights missed (a stopped Collector shows here).
    freshness_warn_hours=36,
    freshness_error_hours=60,
    tables=(
        Table(
            LLM_TABLE,
            key=("record_key",),
            columns=_COLUMNS,
            description="One row per model-call span (chat, text_completion, "
            "generate_content, embeddings, or a span with a request model and no "
            "operation), plus lines and spans that cannot be read or placed.",
        ),
        Table(
            STEP_TABLE,
            key=("record_key",),
            columns=_COLUMNS,
            description="One row per agent, tool, retrieval, workflow or other GenAI "
            "span that is not a model call.",
        ),
    ),
)

# gen_ai.operation.name values that are model calls, and those that are steps
CALL_OPERATIONS = ("chat", "text_completion", "generate_content", "embeddings")
STEP_OPERATIONS = ("invoke_agent", "create_agent", "execute_tool", "retrieval", "invoke_workflow")

# Dialects, in the order their values win when two disagree.
STANDARD, OPENLLMETRY, OPENINFERENCE, OPENLIT, VERCEL = (
    "standard", "openllmetry", "openinference", "openlit", "vercel_ai",
)  # fmt: skip
DIALECT_ORDER = (STANDARD, OPENLLMETRY, OPENINFERENCE, OPENLIT, VERCEL)

# field -> [(dialect, attribute name)], first present wins. Versions: docs/sources/otel_genai.md
_TOKENS: dict[str, list[tuple[str, str]]] = {
    "input_tokens": [
        (STANDARD, "gen_ai.usage.input_tokens"),
        (OPENLLMETRY, "gen_ai.usage.prompt_tokens"),
        (OPENINFERENCE, "llm.token_count.prompt"),
    ],
    "output_tokens": [
        (STANDARD, "gen_ai.usage.output_tokens"),
        (OPENLLMETRY, "gen_ai.usage.completion_tokens"),
        (OPENINFERENCE, "llm.token_count.completion"),
    ],
    "cache_read_input_tokens": [
        (STANDARD, "gen_ai.usage.cache_read.input_tokens"),
        (OPENLLMETRY, "gen_ai.usage.cache_read_input_tokens"),
        (OPENINFERENCE, "llm.token_count.prompt_details.cache_read"),
    ],
    "cache_creation_input_tokens": [
        (STANDARD, "gen_ai.usage.cache_creation.input_tokens"),
        (OPENLLMETRY, "gen_ai.usage.cache_creation_input_tokens"),
        (OPENINFERENCE, "llm.token_count.prompt_details.cache_write"),
    ],
    "reasoning_output_tokens": [
        (STANDARD, "gen_ai.usage.reasoning.output_tokens"),
        (OPENLLMETRY, "gen_ai.usage.reasoning_tokens"),
        (OPENLLMETRY, "llm.usage.reasoning_tokens"),
        (OPENINFERENCE, "llm.token_count.completion_details.reasoning"),
    ],
    "total_tokens": [
        (OPENLLMETRY, "llm.usage.total_tokens"),
        (OPENLLMETRY, "gen_ai.usage.total_tokens"),
        (OPENINFERENCE, "llm.token_count.total"),
    ],
}
_TEXTS: dict[str, list[tuple[str, str]]] = {
    "provider": [
        (STANDARD, "gen_ai.provider.name"),
        (STANDARD, "gen_ai.system"),  # the name before semantic conventions v1.37
        (OPENINFERENCE, "llm.provider"),
        (OPENINFERENCE, "llm.system"),
    ],
    "request_model": [
        (STANDARD, "gen_ai.request.model"),
        (OPENINFERENCE, "llm.request.model_name"),
        (OPENINFERENCE, "llm.model_name"),
    ],
    "response_model": [
        (STANDARD, "gen_ai.response.model"),
        (OPENINFERENCE, "llm.response.model_name"),
    ],
    "conversation_id": [
        (STANDARD, "gen_ai.conversation.id"),
        (OPENINFERENCE, "session.id"),
    ],
    "user_id": [(STANDARD, "user.id"), (STANDARD, "enduser.id")],
    "agent_name": [(STANDARD, "gen_ai.agent.name"), (OPENINFERENCE, "agent.name")],
    "tool_name": [(STANDARD, "gen_ai.tool.name"), (OPENINFERENCE, "tool.name")],
    "workflow_name": [
        (STANDARD, "gen_ai.workflow.name"),
        (OPENLLMETRY, "traceloop.workflow.name"),
    ],
    "data_source_id": [(STANDARD, "gen_ai.data_source.id")],
    "error_type": [(STANDARD, "error.type")],
}
_COST = [(OPENLIT, "gen_ai.usage.cost"), (OPENINFERENCE, "llm.cost.total")]
# time to first token: (dialect, attribute, seconds per unit)
_TTFT = [
    (STANDARD, "gen_ai.response.time_to_first_chunk", 1.0),
    (OPENLIT, "gen_ai.server.time_to_first_token", 1.0),
    (VERCEL, "ai.response.msToFirstChunk", 0.001),
    (VERCEL, "ai.stream.msToFirstChunk", 0.001),
]
# span events marking a streamed chunk (OpenLLMetry): the first one's time, if no attribute
CHUNK_EVENTS = ("gen_ai.content.completion.chunk", "llm.content.completion.chunk")

# operation names of the older dialects, in the standard's words
_OPENLLMETRY_REQUEST_TYPE = {
    "chat": "chat", "completion": "text_completion", "embedding": "embeddings",
}  # fmt: skip
_TRACELOOP_SPAN_KIND = {
    "workflow": "invoke_workflow", "agent": "invoke_agent", "tool": "execute_tool",
}  # fmt: skip
_OPENINFERENCE_SPAN_KIND = {
    "LLM": "chat", "EMBEDDING": "embeddings", "TOOL": "execute_tool",
    "AGENT": "invoke_agent", "RETRIEVER": "retrieval",
}  # fmt: skip

# what marks a span as GenAI (only such spans land; an HTTP span beside them does not)
_GENAI_PREFIXES = ("gen_ai.", "llm.", "openinference.", "traceloop.span.kind", "ai.model.")

# message content: landed only with store_content = true
_INPUT_CONTENT = ("gen_ai.input.messages", "gen_ai.system_instructions", "gen_ai.prompt",
                  "llm.input_messages", "llm.prompts", "input.value")  # fmt: skip
_OUTPUT_CONTENT = ("gen_ai.output.messages", "gen_ai.completion", "llm.output_messages",
                   "llm.choices", "output.value")  # fmt: skip
_CONTENT_EVENTS = ("gen_ai.user.message", "gen_ai.system.message", "gen_ai.assistant.message",
                   "gen_ai.tool.message", "gen_ai.choice", "gen_ai.content.prompt",
                   "gen_ai.content.completion")  # fmt: skip


class Unreadable(ValueError):
    """An attribute value that cannot be read as its field's kind."""


def is_genai(attrs: dict[str, Any]) -> bool:
    return any(k.startswith(_GENAI_PREFIXES) for k in attrs)


def _as_int(name: str, value: Any) -> int:
    if isinstance(value, bool):
        raise Unreadable(f"{name}={value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and math.isfinite(value) and value == int(value):
        return int(value)
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            pass
    raise Unreadable(f"{name}={value!r}")


def _as_float(name: str, value: Any) -> float:
    if isinstance(value, bool):
        raise Unreadable(f"{name}={value!r}")
    try:
        out = float(value)
    except (TypeError, ValueError):
        raise Unreadable(f"{name}={value!r}") from None
    if not math.isfinite(out):
        raise Unreadable(f"{name}={value!r}")
    return out


def _as_text(name: str, value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    raise Unreadable(f"{name}={value!r}")


@dataclass
class _Resolved:
    values: dict[str, Any]
    used: set[str]  # dialects whose values were taken
    conflicts: list[str]
    unreadable: list[str]


def _resolve(
    attrs: dict[str, Any],
    fields: dict[str, list[tuple[str, str]]],
    read: Callable[[str, Any], Any],
    out: _Resolved,
) -> None:
    for field, names in fields.items():
        found: list[tuple[str, str, Any]] = []
        for dialect, name in names:
            if name in attrs and attrs[name] is not None:
                try:
                    found.append((dialect, name, read(name, attrs[name])))
                except Unreadable as e:
                    out.unreadable.append(str(e))
        if not found:
            continue
        dialect, _name, value = found[0]
        out.values[field] = value
        out.used.add(dialect)
        others = [(d, v) for d, _n, v in found[1:] if v != value]
        if others:
            listed = ", ".join(f"{d}={v}" for d, v in [(dialect, value), *others])
            out.conflicts.append(f"{field}: {listed}")


def operation(attrs: dict[str, Any]) -> str | None:
    """The span's operation in the standard's words, from whichever dialect says it."""
    op = attrs.get("gen_ai.operation.name")
    if isinstance(op, str) and op:
        return op
    req = attrs.get("llm.request.type")
    if isinstance(req, str) and req in _OPENLLMETRY_REQUEST_TYPE:
        return _OPENLLMETRY_REQUEST_TYPE[req]
    kind = attrs.get("traceloop.span.kind")
    if isinstance(kind, str) and kind in _TRACELOOP_SPAN_KIND:
        return _TRACELOOP_SPAN_KIND[kind]
    oi = attrs.get("openinference.span.kind")
    if isinstance(oi, str) and oi.upper() in _OPENINFERENCE_SPAN_KIND:
        return _OPENINFERENCE_SPAN_KIND[oi.upper()]
    return None


def is_call(op: str | None, values: dict[str, Any]) -> bool:
    """A model call: a model-call operation, or no operation and a request model."""
    if op in CALL_OPERATIONS:
        return True
    return op is None and (values.get("request_model") or values.get("response_model")) is not None


def _content(attrs: dict[str, Any], prefixes: tuple[str, ...], events: list[dict]) -> str | None:
    picked = {k: v for k, v in attrs.items() if k.startswith(prefixes)}
    if events:
        picked["events"] = events
    return json.dumps(picked, ensure_ascii=False, sort_keys=True) if picked else None


def map_span(
    attrs: dict[str, Any],
    start_ns: int | None,
    events: list[tuple[str, int | None, dict[str, Any]]],
    store_content: bool,
) -> dict[str, Any]:
    """The landed fields of one span from its attributes (AnyValues already decoded) and
    events (name, time in ns, attributes): each field from the first dialect that has it,
    the dialects used, and the fields where two dialects disagree."""
    res = _Resolved({}, set(), [], [])
    _resolve(attrs, _TOKENS, _as_int, res)
    _resolve(attrs, _TEXTS, _as_text, res)
    _resolve(attrs, {"reported_cost_usd": _COST}, _as_float, res)
    ttft: dict[str, float] = {}
    for dialect, name, unit in _TTFT:
        if attrs.get(name) is not None:
            try:
                seconds = _as_float(name, attrs[name]) * unit
            except Unreadable as e:
                res.unreadable.append(str(e))
                continue
            if seconds > 0:  # OpenLIT writes 0 for a call that did not stream
                ttft.setdefault(dialect, seconds * 1000.0)
    if not ttft and start_ns is not None:
        chunks = [t for name, t, _a in events if name in CHUNK_EVENTS and t is not None]
        if chunks and min(chunks) >= start_ns:
            ttft[OPENLLMETRY] = (min(chunks) - start_ns) / 1e6
    if ttft:
        first = next(d for d in DIALECT_ORDER if d in ttft)
        res.values["time_to_first_token_ms"] = ttft[first]
        res.used.add(first)
        others = {d: v for d, v in ttft.items() if abs(v - ttft[first]) > 0.5}
        if others:
            listed = ", ".join(f"{d}={v:g}" for d, v in {first: ttft[first], **others}.items())
            res.conflicts.append(f"time_to_first_token_ms: {listed}")
    op = operation(attrs)
    if "gen_ai.usage.cost" in attrs or "gen_ai.server.time_to_first_token" in attrs:
        res.used.add(OPENLIT)
    if "llm.request.type" in attrs or "traceloop.span.kind" in attrs:
        res.used.add(OPENLLMETRY)
    if "openinference.span.kind" in attrs:
        res.used.add(OPENINFERENCE)
    if "gen_ai.operation.name" in attrs:
        res.used.add(STANDARD)
    if op == "invoke_agent" and "agent_name" not in res.values:
        entity = attrs.get("traceloop.entity.name")
        if isinstance(entity, str):
            res.values["agent_name"] = entity
    if op == "execute_tool" and "tool_name" not in res.values:
        entity = attrs.get("traceloop.entity.name")
        if isinstance(entity, str):
            res.values["tool_name"] = entity
    row = dict(res.values)
    row["operation_name"] = op
    row["dialect"] = "+".join(d for d in DIALECT_ORDER if d in res.used) or None
    row["dialect_conflicts"] = "; ".join(res.conflicts) or None
    row["unreadable"] = "; ".join(res.unreadable) or None
    if store_content:
        evs = [{"name": n, **a} for n, _t, a in events if n in _CONTENT_EVENTS or "message" in n]
        row["input_messages"] = _content(
            attrs, _INPUT_CONTENT, [e for e in evs if e["name"] != "gen_ai.choice"]
        )
        row["output_messages"] = _content(
            attrs, _OUTPUT_CONTENT, [e for e in evs if e["name"] == "gen_ai.choice"]
        )
    return row
