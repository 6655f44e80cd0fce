"""otel_genai: a folder of OTLP/JSON trace exports, as the OpenTelemetry Collector's file
exporter writes them for apps instrumented in four dialects.

One trace per line (``traces-<day>.jsonl``, every other day ``.jsonl.gz``), the day's
first trace alone in ``traces-<day>-first.json``. Per trace, one dialect: the standard
GenAI names (v1.37+), OpenLLMetry (``gen_ai.system``, ``gen_ai.usage.prompt_tokens``,
``llm.request.type``, chunk events), OpenInference (``llm.token_count.*``,
``openinference.span.kind``) or OpenLIT (standard names, ``gen_ai.usage.cost``, its own
time to first token, and on half its calls a deprecated ``prompt_tokens`` that disagrees:
the standard's value is the truth). Half the traces are agent runs (an ``invoke_agent``
root, a tool span between calls); the rest are single calls. Some calls fail, some
stream (time to first token recorded), some read the prompt cache; beside the GenAI
spans an HTTP span that does not land.

Planted for the price rules (docs/costs.md): about one standard-dialect call in six is
turned into a long-context call on a model with a long-context tier (claude-sonnet-4-5:
all tokens at the higher rate over 200,000 input tokens), some exactly at the threshold,
some one token over, most well over, many reading and writing the prompt cache. The
choice and the numbers come from a separate random stream (``plant_rng``), drawn after
the call's own, so every other call is the same with or without the planting.

The calls are extra to ``calls_per_day`` (a tenth of it per day), drawn from their own
child of the demo's seed, so the five seed systems' data and truth are unchanged.
"""

from __future__ import annotations

import datetime
import gzip
import json
import pathlib
from typing import Any

import numpy as np
import pyarrow as pa

from ._util import TRUTH_SCHEMA, US_PER_DAY, US_PER_S

SYSTEM = "otel_genai"
SOURCE = f"demo_{SYSTEM}"
FOLDER = "otel_genai"
STEPS_TRUTH = "otel_steps.parquet"
CALLS_TRUTH = "otel_calls.parquet"  # per call: its dialect, and whether two dialects disagree

DIALECTS = ["standard", "openllmetry", "openinference", "openlit"]
DIALECT_P = [0.4, 0.25, 0.2, 0.15]
SCOPES = {
    "standard": ("opentelemetry.instrumentation.openai_agents", "0.3.0"),
    "openllmetry": ("opentelemetry.instrumentation.openai.v1", "0.40.7"),
    "openinference": ("openinference.instrumentation.openai", "0.1.30"),
    "openlit": ("openlit.otel.tracing", "1.35.0"),
}
SERVICES = ["support-bot", "search-agent", "docs-summarizer"]
# provider as the app writes it, request model, response model, median latency ms
MODELS = [
    ("openai", "gpt-4o-mini", "gpt-4o-mini-2024-07-18", 900.0),
    ("anthropic", "claude-3-5-sonnet-20241022", "claude-3-5-sonnet-20241022", 2200.0),
]
# planted long-context calls: a model whose list price has a tier over 200,000 input tokens
LONG_CONTEXT_MODEL = ("anthropic", "claude-sonnet-4-5", "claude-sonnet-4-5-20250929")
LONG_CONTEXT_OVER = 200_000
LONG_CONTEXT_P = 1 / 6
AGENTS = ["support_agent", "research_agent"]
TOOLS = ["search_docs", "get_order", "send_email"]
ERROR_MESSAGE = "Error code: 429 - rate_limit_exceeded"
TOOL_ERROR = "TimeoutError: tool did not answer in 5s"
# why each failed call failed, as docs/errors.md classifies it (tool errors are steps, not calls)
ERROR_CAUSES = {ERROR_MESSAGE: "rate_limit"}


def calls_per_day(total: int) -> int:
    return total // 10


def _s(v: str) -> dict:
    return {"stringValue": v}


def _i(v: int) -> dict:
    return {"intValue": str(int(v))}  # OTLP/JSON writes 64-bit integers as strings


def _d(v: float) -> dict:
    return {"doubleValue": v}


def _attrs(d: dict[str, dict]) -> list[dict]:
    return [{"key": k, "value": v} for k, v in d.items()]


class _Ids:
    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng

    def hex(self, nbytes: int) -> str:
        return bytes(self.rng.integers(0, 256, nbytes, dtype=np.uint8).tolist()).hex()


def _span(
    trace: str, span: str, parent: str | None, name: str, kind: int,
    start_us: int, end_us: int, attrs: dict[str, dict], error: str | None = None,
    events: list[dict] | None = None,
) -> dict:  # fmt: skip
    out: dict[str, Any] = {
        "traceId": trace,
        "spanId": span,
        "name": name,
        "kind": kind,
        "startTimeUnixNano": str(start_us * 1000),
        "endTimeUnixNano": str(end_us * 1000),
        "attributes": _attrs(attrs),
        "status": {"code": 2, "message": error} if error else {},
    }
    if parent:
        out["parentSpanId"] = parent
    if events:
        out["events"] = events
    return out


class Generator:
    """Writes the export folder day by day; collects the call truth and the step truth."""

    def __init__(
        self, folder: pathlib.Path, rng: np.random.Generator,
        plant_rng: np.random.Generator | None = None,
    ) -> None:  # fmt: skip
        self.folder, self.rng, self.ids = folder, rng, _Ids(rng)
        self.plant_rng = plant_rng
        folder.mkdir(parents=True, exist_ok=True)
        self.truth: list[dict] = []
        self.steps: list[dict] = []
        self.calls: list[dict] = []
        self.counts = {"llm_spans": 0, "step_spans": 0}

    # ------------------------------------------------------------------ one call
    def _call(
        self, dialect: str, trace: str, parent: str | None, start_us: int, conv: str | None,
        user: str | None, service: str,
    ) -> tuple[dict, int]:  # fmt: skip
        rng = self.rng
        span_id = self.ids.hex(8)
        provider, req_model, resp_model, median = MODELS[int(rng.integers(0, len(MODELS)))]
        failed = bool(rng.random() < 0.06)
        latency_us = (
            int(rng.integers(15_000, 400_000))
            if failed
            else int(median * 1000 * np.exp(0.5 * rng.standard_normal()))
        )
        latency_us = max(latency_us, 20_000)
        end_us = start_us + latency_us
        tin = None if failed else int(rng.integers(50, 3000))
        tout = None if failed else int(rng.integers(5, 800))
        cache = None
        if (
            tin is not None
            and dialect in ("standard", "openllmetry", "openinference")
            and rng.random() < 0.3
        ):
            cache = int(tin // 2)
        creation = None
        if (
            tin is not None
            and dialect == "standard"
            and provider == "anthropic"
            and rng.random() < 0.3
        ):
            creation = int(tin // 4)
        reasoning = None
        if (
            tout is not None
            and dialect == "standard"
            and provider == "openai"
            and rng.random() < 0.3
        ):
            reasoning = int(tout // 3)
        streamed = (not failed) and dialect != "openinference"
        streamed = streamed and bool(rng.random() < 0.4)
        ttft_ms = (
            int(min(latency_us / 1000 * 0.5, 50 + int(rng.integers(0, 600)))) if streamed else None
        )
        cost = None
        if dialect == "openlit" and tin is not None:
            cost = round((tin * 0.15 + (tout or 0) * 0.6) / 1e6, 12)
        if self.plant_rng is not None and dialect == "standard" and not failed:
            planted = self._plant_long_context()
            if planted is not None:
                provider, req_model, resp_model = LONG_CONTEXT_MODEL
                tin, cache, creation = planted
                reasoning = None  # an Anthropic model
        op = "chat"  # no embeddings: genai-prices has no price for them, and unpriced warns
        a: dict[str, dict] = {}
        events: list[dict] = []
        conflict = False
        if dialect in ("standard", "openlit"):
            a["gen_ai.operation.name"] = _s(op)
            a["gen_ai.provider.name" if dialect == "standard" else "gen_ai.system"] = _s(provider)
            a["gen_ai.request.model"] = _s(req_model)
            if not failed:
                a["gen_ai.response.model"] = _s(resp_model)
            if tin is not None:
                a["gen_ai.usage.input_tokens"] = _i(tin)
            if tout is not None:
                a["gen_ai.usage.output_tokens"] = _i(tout)
            if cache is not None:
                a["gen_ai.usage.cache_read.input_tokens"] = _i(cache)
            if creation is not None:
                a["gen_ai.usage.cache_creation.input_tokens"] = _i(creation)
            if reasoning is not None:
                a["gen_ai.usage.reasoning.output_tokens"] = _i(reasoning)
            if conv:
                a["gen_ai.conversation.id"] = _s(conv)
            if user:
                a["user.id" if dialect == "standard" else "enduser.id"] = _s(user)
            if failed:
                a["error.type"] = _s("RateLimitError")
            if dialect == "standard" and ttft_ms is not None:
                a["gen_ai.request.stream"] = {"boolValue": True}
                a["gen_ai.response.time_to_first_chunk"] = _d(ttft_ms / 1000)
            if dialect == "openlit":
                if cost is not None:
                    a["gen_ai.usage.cost"] = _d(cost)
                if ttft_ms is not None:
                    a["gen_ai.server.time_to_first_token"] = _d(ttft_ms / 1000)
                if tin is not None and rng.random() < 0.5:  # an older name, disagreeing
                    a["gen_ai.usage.prompt_tokens"] = _i(tin + 10)
                    conflict = True
        elif dialect == "openllmetry":
            a["llm.request.type"] = _s("chat")
            a["gen_ai.system"] = _s("Anthropic" if provider == "anthropic" else provider)
            a["gen_ai.request.model"] = _s(req_model)
            if not failed:
                a["gen_ai.response.model"] = _s(resp_model)
                a["gen_ai.usage.prompt_tokens"] = _i(tin or 0)
                a["gen_ai.usage.completion_tokens"] = _i(tout or 0)
                a["llm.usage.total_tokens"] = _i((tin or 0) + (tout or 0))
            if cache is not None:
                a["gen_ai.usage.cache_read_input_tokens"] = _i(cache)
            if ttft_ms is not None:
                a["llm.is_streaming"] = {"boolValue": True}
                for k in range(3):  # the chunks as they arrive
                    t_ns = (start_us + ttft_ms * 1000 + k * 20_000) * 1000
                    events.append(
                        {"timeUnixNano": str(t_ns), "name": "llm.content.completion.chunk"}
                    )
            if failed:
                events.append({
                    "timeUnixNano": str(end_us * 1000), "name": "exception",
                    "attributes": _attrs({"exception.type": _s("RateLimitError"),
                                          "exception.message": _s(ERROR_MESSAGE)}),
                })  # fmt: skip
        else:  # openinference
            a["openinference.span.kind"] = _s("LLM")
            a["llm.model_name"] = _s(req_model if failed else resp_model)
            a["llm.provider"] = _s(provider)
            a["llm.system"] = _s(provider)
            if tin is not None:
                a["llm.token_count.prompt"] = _i(tin)
                a["llm.token_count.completion"] = _i(tout or 0)
                a["llm.token_count.total"] = _i(tin + (tout or 0))
            if cache is not None:
                a["llm.token_count.prompt_details.cache_read"] = _i(cache)
            if conv:
                a["session.id"] = _s(conv)
            if user:
                a["user.id"] = _s(user)
        name = (
            f"{op} {req_model}"
            if dialect in ("standard", "openlit")
            else ("openai.chat" if dialect == "openllmetry" else "ChatCompletion")
        )
        span = _span(trace, span_id, parent, name, 3, start_us, end_us, a,
                     ERROR_MESSAGE if failed else None, events)  # fmt: skip
        self.truth.append({
            "source_system": SYSTEM, "source_name": SOURCE, "source_table": "llm_spans",
            "source_key": f"{trace}:{span_id}", "user_key": user,
            "session_key": conv or trace, "tenant_id": service,
            "started_at": start_us, "provider": provider,
            "model_raw": req_model if failed else resp_model,
            "input_tokens": tin, "output_tokens": tout, "cache_read_tokens": cache,
            "reasoning_tokens": reasoning, "latency_ms": latency_us / 1000,
            "status": "error" if failed else "success",
            "error_message": ERROR_MESSAGE if failed else None, "reported_cost_usd": cost,
            "cache_creation_tokens": creation,
            "time_to_first_token_ms": float(ttft_ms) if ttft_ms is not None else None,
        })  # fmt: skip
        self.calls.append({
            "source_key": f"{trace}:{span_id}", "dialect": dialect, "has_conflict": conflict,
            "step_key": f"{trace}:{parent}" if parent else None,
        })  # fmt: skip
        self.counts["llm_spans"] += 1
        return span, end_us

    def _plant_long_context(self) -> tuple[int, int | None, int | None] | None:
        """(input, cache read, cache write tokens) of a planted long-context call, or None
        (most calls): drawn from plant_rng only."""
        p = self.plant_rng
        assert p is not None
        if p.random() >= LONG_CONTEXT_P:
            return None
        kind = p.random()
        if kind < 0.15:
            tin = LONG_CONTEXT_OVER  # at the threshold: still the base price
        elif kind < 0.3:
            tin = LONG_CONTEXT_OVER + 1  # one token over: all at the tier's price
        elif kind < 0.4:
            tin = int(p.integers(20_000, LONG_CONTEXT_OVER))  # under it
        else:
            tin = int(p.integers(LONG_CONTEXT_OVER + 2, 800_000))
        cache = int(tin * p.uniform(0.2, 0.7)) if p.random() < 0.6 else None
        creation = int(tin * p.uniform(0.05, 0.25)) if p.random() < 0.6 else None
        return tin, cache, creation

    def _step(
        self, dialect: str, trace: str, parent: str | None, op: str, name: str,
        start_us: int, end_us: int, failed: bool, workflow_key: str, order: int,
    ) -> dict:  # fmt: skip
        span_id = self.ids.hex(8)
        a: dict[str, dict] = {}
        if dialect in ("standard", "openlit"):
            a["gen_ai.operation.name"] = _s(op)
            a["gen_ai.agent.name" if op == "invoke_agent" else "gen_ai.tool.name"] = _s(name)
        elif dialect == "openllmetry":
            a["traceloop.span.kind"] = _s("agent" if op == "invoke_agent" else "tool")
            a["traceloop.entity.name"] = _s(name)
        else:
            a["openinference.span.kind"] = _s("AGENT" if op == "invoke_agent" else "TOOL")
            a["agent.name" if op == "invoke_agent" else "tool.name"] = _s(name)
        self.steps.append({
            "node_key": f"{trace}:{span_id}", "workflow_key": workflow_key, "node_type": op,
            "node_name": name, "node_status": "failed" if failed else "completed",
            "execution_order": order, "duration_ms": (end_us - start_us) / 1000,
        })  # fmt: skip
        self.counts["step_spans"] += 1
        label = f"{op} {name}"
        return _span(trace, span_id, parent, label, 1, start_us, end_us, a,
                     TOOL_ERROR if failed else None)  # fmt: skip

    # ------------------------------------------------------------------ one trace
    def _trace(self, day_start_us: int, n_calls: int) -> dict:
        rng = self.rng
        dialect = DIALECTS[int(rng.choice(len(DIALECTS), p=DIALECT_P))]
        service = SERVICES[int(rng.integers(0, len(SERVICES)))]
        trace = self.ids.hex(16)
        conv = (
            f"conv-{self.ids.hex(4)}" if dialect != "openllmetry" and rng.random() < 0.7 else None
        )
        user = None
        if dialect != "openllmetry" and rng.random() < 0.6:
            user = f"user-{int(rng.integers(1, 40))}"
        agent = bool(rng.random() < 0.5)
        t0 = day_start_us + int(rng.integers(0, US_PER_DAY - 3600 * US_PER_S))
        spans: list[dict] = []
        cursor = t0 + 1000
        root_id = None
        if agent:
            # the root span's id is drawn first, its span written once its end is known
            root_id = self.ids.hex(8)
        workflow_key = f"{SOURCE}:{trace}:{root_id}" if agent else None
        order = 1
        tool_specs = []
        for k in range(n_calls):
            span, end = self._call(dialect, trace, root_id, cursor, conv, user, service)
            spans.append(span)
            cursor = end + int(rng.integers(1000, 30_000))
            if agent and k < n_calls - 1:
                t_end = cursor + int(rng.integers(50_000, 800_000))
                tool_specs.append((cursor, t_end, TOOLS[int(rng.integers(0, len(TOOLS)))],
                                   bool(rng.random() < 0.05)))  # fmt: skip
                cursor = t_end + int(rng.integers(1000, 20_000))
        if agent:
            assert root_id is not None and workflow_key is not None
            name = AGENTS[int(rng.integers(0, len(AGENTS)))]
            before = len(self.steps)
            root = self._step(dialect, trace, None, "invoke_agent", name, t0, cursor + 1000,
                              False, workflow_key, order)  # fmt: skip
            # the root keeps the id the calls point at
            self.steps[before]["node_key"] = f"{trace}:{root_id}"
            root["spanId"] = root_id
            spans.insert(0, root)
            for start, end, tool, failed in tool_specs:
                order += 1
                spans.append(self._step(dialect, trace, root_id, "execute_tool", tool, start,
                                        end, failed, workflow_key, order))  # fmt: skip
            if dialect == "standard":  # an HTTP call the agent made: not GenAI, not landed
                spans.append(_span(trace, self.ids.hex(8), root_id, "GET /search", 3, t0 + 500,
                                   t0 + 900, {"http.request.method": _s("GET")}))  # fmt: skip
        scope_name, scope_version = SCOPES[dialect]
        return {"resourceSpans": [{
            "resource": {"attributes": _attrs({"service.name": _s(service),
                                               "deployment.environment": _s("demo")})},
            "scopeSpans": [{"scope": {"name": scope_name, "version": scope_version},
                            "spans": spans}],
        }]}  # fmt: skip

    def day(self, index: int, day_start_us: int, n: int) -> None:
        if n == 0:
            return
        lines = []
        left = n
        while left > 0:
            k = min(left, int(self.rng.integers(1, 4)))
            lines.append(self._trace(day_start_us, k))
            left -= k
        date = (
            datetime.datetime(1970, 1, 1) + datetime.timedelta(microseconds=day_start_us)
        ).date()
        first = self.folder / f"traces-{date}-first.json"
        first.write_text(json.dumps(lines[0], indent=1) + "\n", encoding="utf-8")
        body = "".join(json.dumps(doc, separators=(",", ":")) + "\n" for doc in lines[1:])
        if not body:
            return
        if index % 2:
            path = self.folder / f"traces-{date}.jsonl.gz"
            with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as f:
                f.write(body.encode("utf-8"))
        else:
            (self.folder / f"traces-{date}.jsonl").write_text(body, encoding="utf-8")

    def truth_table(self) -> pa.Table:
        epoch = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
        rows = [
            {**r, "started_at": epoch + datetime.timedelta(microseconds=r["started_at"])}
            for r in self.truth
        ]
        return pa.Table.from_pylist(rows, schema=TRUTH_SCHEMA)

    def calls_table(self) -> pa.Table:
        schema = pa.schema([
            ("source_key", pa.string()), ("dialect", pa.string()), ("has_conflict", pa.bool_()),
            ("step_key", pa.string()),  # the node_key of the step span it was made in
        ])  # fmt: skip
        return pa.Table.from_pylist(self.calls, schema=schema)

    def steps_table(self) -> pa.Table:
        return pa.Table.from_pylist(
            self.steps,
            schema=pa.schema([
                ("node_key", pa.string()), ("workflow_key", pa.string()),
                ("node_type", pa.string()), ("node_name", pa.string()),
                ("node_status", pa.string()), ("execution_order", pa.int64()),
                ("duration_ms", pa.float64()),
            ]),
        )  # fmt: skip
