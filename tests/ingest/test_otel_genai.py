"""otel_genai: OTLP/JSON exports in the shapes real instrumentations write (OpenLLMetry,
OpenInference, the standard GenAI conventions, OpenLIT; tests/ingest/otel_fixtures/,
written by hand) land mapped as the expectations below, worked out by hand from the
fixture files; incrementally, file by file and line by line; with bad input set aside
and message content kept out unless the source asks for it."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import shutil
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from ingest.config import ConfigError, load_sources
from ingest.extract import extract_all
from ingest.otlp import any_value, hex_id

FIXTURES = Path(__file__).parent / "otel_fixtures"
UTC = dt.UTC


def _t(h: int, m: int, s: int, us: int = 0) -> dt.datetime:
    return dt.datetime(2025, 6, 1, h, m, s, us, tzinfo=UTC)


def _folder(tmp_path: Path, names=("openllmetry.jsonl", "openinference.json", "bad.jsonl")):
    folder = tmp_path / "otel"
    folder.mkdir(exist_ok=True)
    for name in names:
        shutil.copy(FIXTURES / name, folder / name)
    # the standard spans as the Collector writes them compressed
    with gzip.open(folder / "standard.jsonl.gz", "wb") as f:
        f.write((FIXTURES / "standard.jsonl").read_bytes())
    return folder


def _sources(tmp_path: Path, extra: str = "") -> Path:
    path = tmp_path / "sources.toml"
    path.write_text(
        f'[[source]]\nname = "otel"\nsystem = "otel_genai"\nurl = "otel"\n{extra}\n',
        encoding="utf-8",
    )
    return path


def _landed(data: Path, table: str) -> dict[str, dict]:
    t = pq.read_table(data / "landing" / "otel_genai" / "otel" / table)
    return {r["record_key"]: r for r in t.to_pylist()}


def _extract(tmp_path: Path, extra: str = ""):
    [r] = extract_all(load_sources(_sources(tmp_path, extra)), tmp_path / "data")
    assert r.status == "ok", r.error
    return r


# The model-call spans, field by field, read off the fixture files by hand.
CALLS: dict[str, dict[str, object]] = {
    # OpenLLMetry: deprecated prompt/completion tokens, gen_ai.system, streamed chunks
    "5b8efff798038103d269b633813fc60c:eee19b7ec3c1b174": dict(
        provider="openai", request_model="gpt-4o-mini",
        response_model="gpt-4o-mini-2024-07-18", operation_name="chat",
        input_tokens=15, output_tokens=9, total_tokens=24, cache_read_input_tokens=None,
        start_time=_t(10, 0, 0, 100_000), end_time=_t(10, 0, 1, 300_000),
        time_to_first_token_ms=350.0,  # first llm.content.completion.chunk 350 ms in
        workflow_name="joke_generator", tenant="joke-app", status_code=None,
        dialect="standard+openllmetry", dialect_conflicts=None,
        parent_span_id="eee19b7ec3c1b173",
    ),
    "0af7651916cd43dd8448eb211c80319c:b7ad6b7169203331": dict(
        provider="Anthropic", input_tokens=1300, output_tokens=80,
        cache_read_input_tokens=1000, cache_creation_input_tokens=200,
        status_code="STATUS_CODE_UNSET", span_kind="SPAN_KIND_CLIENT",
        dialect="standard+openllmetry", time_to_first_token_ms=None,
    ),
    # OpenInference: llm.token_count.*, llm.model_name, session.id, user.id
    "9c1d3a6f0e2b4c8d9a7b6c5d4e3f2a1b:2222222222222222": dict(
        provider="openai", request_model="gpt-4o-2024-08-06", response_model=None,
        operation_name="chat", input_tokens=200, output_tokens=50, total_tokens=250,
        cache_read_input_tokens=128, reasoning_output_tokens=0,
        conversation_id="sess-42", user_id="u-7", status_code="STATUS_CODE_OK",
        # user.id is OpenTelemetry's own (standard) name; the rest OpenInference's
        dialect="standard+openinference",
    ),
    # standard names (v1.37+): provider.name, cache and reasoning tokens, TTFT attribute
    "4bf92f3577b34da6a3ce929d0e0e4736:00f067aa0ba902b8": dict(
        provider="anthropic", request_model="claude-sonnet-4-5",
        response_model="claude-sonnet-4-5-20250929", input_tokens=1500, output_tokens=300,
        cache_read_input_tokens=1000, cache_creation_input_tokens=200,
        reasoning_output_tokens=120, time_to_first_token_ms=420.0,
        conversation_id="conv-1", user_id="alice", tenant="travel-bot",
        dialect="standard", input_messages=None,
    ),
    "4bf92f3577b34da6a3ce929d0e0e4736:00f067aa0ba902ba": dict(
        status_code="STATUS_CODE_ERROR", error_type="RateLimitError",
        status_message="Error code: 429 - rate_limit_error", input_tokens=None,
    ),
    # OpenLIT: standard names plus gen_ai.usage.cost and its TTFT; the deprecated
    # prompt_tokens disagree with input_tokens: the standard wins, the row is flagged
    "a3c5e7f9b1d3f5a7c9e1b3d5f7a9c1e3:c0ffee00c0ffee01": dict(
        provider="openai", input_tokens=100, output_tokens=20, total_tokens=120,
        reported_cost_usd=0.000027, time_to_first_token_ms=250.0,
        dialect="standard+openllmetry+openlit",
        dialect_conflicts="input_tokens: standard=100, openllmetry=110",
        tenant="summarizer",
    ),
    # an embeddings span (standard names): input tokens only
    "d4c3b2a1d4c3b2a1d4c3b2a1d4c3b2a1:e1e2e3e4e5e6e7e8": dict(
        operation_name="embeddings", provider="openai", request_model="text-embedding-3-small",
        input_tokens=42, output_tokens=None, tenant="search-agent", dialect="standard",
    ),
    "11111111111111111111111111111111:1000000000000001": dict(
        input_tokens=10, output_tokens=5, unreadable=None, tenant="flaky"
    ),
}  # fmt: skip

STEPS: dict[str, dict[str, object]] = {
    "9c1d3a6f0e2b4c8d9a7b6c5d4e3f2a1b:1111111111111111": dict(
        operation_name="invoke_agent", agent_name="weather_agent", parent_span_id=None
    ),
    "9c1d3a6f0e2b4c8d9a7b6c5d4e3f2a1b:3333333333333333": dict(
        operation_name="execute_tool", tool_name="get_weather",
        status_code="STATUS_CODE_ERROR", parent_span_id="1111111111111111",
    ),
    "5b8efff798038103d269b633813fc60c:eee19b7ec3c1b173": dict(
        operation_name="invoke_workflow", workflow_name="joke_generator"
    ),
    "4bf92f3577b34da6a3ce929d0e0e4736:00f067aa0ba902b7": dict(
        operation_name="invoke_agent", agent_name="travel_agent", conversation_id="conv-1",
        start_time=_t(13, 0, 0), end_time=_t(13, 0, 6),
    ),
    "4bf92f3577b34da6a3ce929d0e0e4736:00f067aa0ba902b9": dict(
        operation_name="execute_tool", tool_name="search_trains",
        parent_span_id="00f067aa0ba902b7",
    ),
}  # fmt: skip

# Bad input: lands in the call table with what dbt needs to set it aside
BAD: dict[str, dict[str, object]] = {
    "bad.jsonl:2": dict(unreadable="line=not JSON (Expecting value)", trace_id=None),
    "bad.jsonl:3:1": dict(span_id=None, trace_id="11111111111111111111111111111111"),
    "11111111111111111111111111111111:1000000000000003": dict(
        start_time=_t(15, 0, 2), end_time=_t(15, 0, 1)
    ),
    "11111111111111111111111111111111:1000000000000004": dict(input_tokens=-5, output_tokens=3),
    "11111111111111111111111111111111:1000000000000005": dict(start_time=None),
    "11111111111111111111111111111111:1000000000000006": dict(
        unreadable="gen_ai.usage.output_tokens='abc'", output_tokens=None
    ),
}


def test_spans_of_each_dialect_land_mapped_as_worked_out_by_hand(tmp_path):
    _folder(tmp_path)
    result = _extract(tmp_path)
    calls, steps = _landed(tmp_path / "data", "llm_spans"), _landed(tmp_path / "data", "step_spans")
    assert set(calls) == set(CALLS) | set(BAD)
    assert set(steps) == set(STEPS)  # the HTTP span beside them is not GenAI: not landed
    for key, expected in [*CALLS.items(), *BAD.items()]:
        assert {k: calls[key][k] for k in expected} == expected, key
    for key, expected in STEPS.items():
        assert {k: steps[key][k] for k in expected} == expected, key
    assert {t.table: t.rows for t in result.tables} == {"llm_spans": 14, "step_spans": 5}


def test_tenant_comes_from_the_configured_resource_attribute(tmp_path):
    _folder(tmp_path)
    _extract(tmp_path, 'tenant_attribute = "deployment.environment"')
    calls = _landed(tmp_path / "data", "llm_spans")
    assert calls["4bf92f3577b34da6a3ce929d0e0e4736:00f067aa0ba902b8"]["tenant"] == "prod"
    assert calls["a3c5e7f9b1d3f5a7c9e1b3d5f7a9c1e3:c0ffee00c0ffee01"]["tenant"] == "staging"
    # a resource without the attribute: no tenant
    assert calls["5b8efff798038103d269b633813fc60c:eee19b7ec3c1b174"]["tenant"] is None


def test_message_content_lands_only_when_the_source_asks(tmp_path):
    _folder(tmp_path)
    _extract(tmp_path)
    for table in ("llm_spans", "step_spans"):
        for row in _landed(tmp_path / "data", table).values():
            assert row["input_messages"] is None and row["output_messages"] is None
    text = b"".join(p.read_bytes() for p in (tmp_path / "data").rglob("*.parquet"))
    assert b"Tell me a joke" not in text and b"Weather in Seoul" not in text

    other = tmp_path / "with_content"
    other.mkdir()
    _folder(other)
    _extract(other, "store_content = true")
    calls = _landed(other / "data", "llm_spans")
    joke = json.loads(calls["5b8efff798038103d269b633813fc60c:eee19b7ec3c1b174"]["input_messages"])
    assert joke["gen_ai.prompt.0.content"] == "Tell me a joke about OpenTelemetry"
    out = json.loads(calls["5b8efff798038103d269b633813fc60c:eee19b7ec3c1b174"]["output_messages"])
    assert out["gen_ai.completion.0.content"] == "Why did the span cross the road?"
    std = json.loads(calls["4bf92f3577b34da6a3ce929d0e0e4736:00f067aa0ba902b8"]["input_messages"])
    assert "Busan" in std["gen_ai.input.messages"]


def test_files_landed_once_are_not_landed_again_and_a_growing_jsonl_lands_its_new_lines(
    tmp_path,
):
    folder = _folder(tmp_path, names=("openllmetry.jsonl",))
    lines = (FIXTURES / "openllmetry.jsonl").read_text(encoding="utf-8").splitlines()
    (folder / "openllmetry.jsonl").write_text(lines[0] + "\n", encoding="utf-8")
    first = _extract(tmp_path)
    # line 1 of openllmetry (1 call), standard.jsonl.gz (4 calls), and their steps
    assert {t.table: t.read for t in first.tables} == {"llm_spans": 5, "step_spans": 3}
    again = _extract(tmp_path)
    assert {t.table: t.read for t in again.tables} == {"llm_spans": 0, "step_spans": 0}
    # the exporter appends a line, and starts the next one without its newline yet
    with open(folder / "openllmetry.jsonl", "a", encoding="utf-8") as f:
        f.write(lines[1] + "\n" + lines[0][:100])
    grown = _extract(tmp_path)
    assert {t.table: t.read for t in grown.tables} == {"llm_spans": 1, "step_spans": 0}
    calls = _landed(tmp_path / "data", "llm_spans")
    assert "0af7651916cd43dd8448eb211c80319c:b7ad6b7169203331" in calls
    assert len(calls) == 6
    # a new .json file lands; one that is rewritten is read again, only changes land
    shutil.copy(FIXTURES / "openinference.json", folder / "openinference.json")
    added = _extract(tmp_path)
    assert {t.table: t.rows for t in added.tables} == {"llm_spans": 1, "step_spans": 2}
    # rewritten in place, same size, same first kilobyte: its modification time says so
    text = (folder / "openinference.json").read_text(encoding="utf-8")
    assert text.index('"intValue": 200') > 1024
    (folder / "openinference.json").write_text(
        text.replace('"intValue": 200', '"intValue": 201'), encoding="utf-8"
    )
    rewritten = _extract(tmp_path)
    assert {t.table: (t.read, t.rows) for t in rewritten.tables} == {
        "llm_spans": (1, 1), "step_spans": (2, 0),
    }  # fmt: skip
    t = pq.read_table(tmp_path / "data" / "landing" / "otel_genai" / "otel" / "llm_spans")
    versions = [r for r in t.to_pylist() if r["span_id"] == "2222222222222222"]
    assert sorted(r["input_tokens"] for r in versions) == [200, 201]


def test_ids_and_values_in_otlp_json():
    assert any_value({"intValue": "9007199254740993"}) == 9007199254740993  # beyond a double
    assert any_value({"intValue": 7}) == 7
    assert any_value({"doubleValue": "NaN"}) != any_value({"doubleValue": "NaN"})
    assert any_value({"arrayValue": {"values": [{"stringValue": "stop"}]}}) == ["stop"]
    assert any_value({"kvlistValue": {"values": [{"key": "a", "value": {"boolValue": True}}]}}) == {
        "a": True
    }
    assert any_value({}) is None
    assert hex_id("5B8EFFF798038103D269B633813FC60C", 16) == "5b8efff798038103d269b633813fc60c"
    assert hex_id("W47/95gDgQPSabYzgT/GDA==", 16) == "5b8efff798038103d269b633813fc60c"
    assert hex_id("0000000000000000", 8) is None
    assert hex_id("", 8) is None and hex_id("xyz", 8) is None


def test_otel_keys_are_checked(tmp_path):
    path = tmp_path / "sources.toml"
    path.write_text(
        '[[source]]\nname = "gw"\nsystem = "ml_gateway"\nurl = "x"\nstore_content = true\n',
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match="store_content applies only to system 'otel_genai'"):
        load_sources(path)
    path.write_text(
        '[[source]]\nname = "o"\nsystem = "otel_genai"\nurl = "x"\nstore_content = "yes"\n',
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match=r"\(o\): store_content must be true or false"):
        load_sources(path)
    path.write_text(
        '[[source]]\nname = "o"\nsystem = "otel_genai"\nurl = "x"\ntenant_attribute = ""\n',
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match="tenant_attribute must be a resource attribute"):
        load_sources(path)
