"""Tests of the deterministic demo-data generator (ingest/demo, docs/demo_sources.md).

Expected values are written out by hand from the contract (table layouts, prices, shares),
never copied from a generator run.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import tomllib
from collections import Counter
from pathlib import Path
from zoneinfo import ZoneInfo

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from demo import DemoOptions, daily_counts, generate

OPTS = DemoOptions(days=3, calls_per_day=200, end_date=dt.date(2025, 6, 24))
UTC = dt.UTC
KST = ZoneInfo("Asia/Seoul")

EXPECTED_COLUMNS = {
    "ai_process_log": {
        "chat_session": "session_id user_id title created_at updated_at",
        "ai_process_log": "id session_id node_name model token_input token_output latency_ms "
        "created_at",
    },
    "trip_planner": {
        "users": "id username email created_at updated_at",
        "workflows": "id user_id status user_input input_type time_settings date_theme "
        "user_intent search_radius final_itinerary created_at updated_at completed_at",
        "nodes": "id workflow_id node_name node_type execution_order status state_data "
        "input_data output_data error_message error_traceback started_at completed_at "
        "duration_ms",
        "generations": "id workflow_id node_id model_name model_provider system_prompt "
        "user_prompt output parsed_output temperature max_tokens prompt_tokens "
        "completion_tokens total_tokens latency_ms created_at",
    },
    "text2sql": {
        "users": "id email password_hash full_name company role is_active created_at "
        "updated_at last_login token_usage preferences",
        "refresh_tokens": "id user_id token_hash expires_at created_at revoked_at is_active "
        "is_revoked device_info",
        "api_keys": "id user_id key_name key_hash key_prefix permissions is_active created_at "
        "expires_at last_used usage_count",
        "chat_sessions": "id user_id title is_active created_at updated_at last_message_at "
        "message_count",
        "chat_messages": "id session_id message_type content query_id sql_query query_result "
        "execution_time error_message timestamp sequence_number",
        "user_sessions": "id user_id session_start session_end ip_address user_agent "
        "queries_count is_active",
        "query_analytics": "id query_id user_id question sql_query execution_time row_count "
        "success error_message chart_type prompt_tokens completion_tokens total_tokens "
        "llm_model llm_cost_estimate timestamp created_at",
        "query_templates": "id user_id name description question_template sql_template "
        "category is_public is_verified usage_count created_at updated_at",
        "database_connections": "id user_id connection_name db_type db_host db_port db_user "
        "encrypted_db_password db_name created_at updated_at",
        "database_schemas": "id connection_id schema_hash raw_schema generated_documentation "
        "table_count total_columns last_updated created_at is_active database_name "
        "table_name schema_info row_count table_size",
        "audit_logs": "id user_id action resource_type resource_id old_values new_values "
        "ip_address user_agent timestamp success error_message",
        "events": "id event_type user_id event_data timestamp ip_address user_agent session_id",
        "performance_metrics": "id metric_name metric_value metric_unit timestamp additional_data",
        "system_config": "id config_key config_value description is_sensitive created_at "
        "updated_at updated_by",
        "alembic_version": "version_num",
    },
    "instagram_feed": {
        "llm_models": "llm_model_id model_name model_version provider default_temperature "
        "default_max_tokens prompt_token_cost_per_1m completion_token_cost_per_1m "
        "description is_active pk created_at updated_at",
        "jobs": "job_id status created_at",
        "overlay_layouts": "overlay_id job_id created_at",
        "instagram_feeds": "instagram_feed_id job_id overlay_id llm_model_id tenant_id "
        "refined_ad_copy_eng tone_style product_description store_information gpt_prompt "
        "instagram_ad_copy hashtags used_temperature used_max_tokens gpt_prompt_used "
        "gpt_response_raw latency_ms prompt_tokens completion_tokens total_tokens "
        "token_usage pk created_at updated_at",
    },
    "ml_gateway": {
        "chat_logs": "id createdAt prompt model response duration error",
    },
}
CALL_TABLE = {
    "ai_process_log": ("ai_process_log", "id"),
    "trip_planner": ("generations", "id"),
    "text2sql": ("query_analytics", "id"),
    "instagram_feed": ("instagram_feeds", "instagram_feed_id"),
    "ml_gateway": ("chat_logs", "id"),
}
TRUTH_TYPES = {
    "source_system": pa.string(),
    "source_name": pa.string(),
    "source_table": pa.string(),
    "source_key": pa.string(),
    "user_key": pa.string(),
    "session_key": pa.string(),
    "tenant_id": pa.string(),
    "started_at": pa.timestamp("us", tz="UTC"),
    "provider": pa.string(),
    "model_raw": pa.string(),
    "input_tokens": pa.int64(),
    "output_tokens": pa.int64(),
    "cache_read_tokens": pa.int64(),
    "reasoning_tokens": pa.int64(),
    "latency_ms": pa.float64(),
    "status": pa.string(),
    "error_message": pa.string(),
    "reported_cost_usd": pa.float64(),
    "cache_creation_tokens": pa.int64(),
    "time_to_first_token_ms": pa.float64(),
    "cache_write_1h_tokens": pa.int64(),
    "is_batch": pa.bool_(),
}
OTEL = "otel_genai"  # a folder of OTLP/JSON exports, extra to calls_per_day


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo") / "demo"
    generate(out, OPTS)
    return out


@pytest.fixture(scope="module")
def truth(demo: Path) -> list[dict]:
    return pq.read_table(demo / "truth" / "generations.parquet").to_pylist()


def _db(demo: Path, system: str) -> sqlite3.Connection:
    return sqlite3.connect(demo / f"{system}.db")


def _by_key(truth: list[dict], system: str) -> dict[str, dict]:
    return {r["source_key"]: r for r in truth if r["source_system"] == system}


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def _dump(demo: Path) -> dict:
    out = {}
    for system, tables in EXPECTED_COLUMNS.items():
        with _db(demo, system) as c:
            for t in tables:
                out[(system, t)] = c.execute(f'SELECT * FROM "{t}" ORDER BY rowid').fetchall()
    return out


# ------------------------------------------------------------------ layout and determinism


def test_layout_and_sources_toml(demo: Path) -> None:
    names = sorted(p.name for p in demo.iterdir())
    assert names == sorted([*(f"{s}.db" for s in EXPECTED_COLUMNS), "sources.toml", "truth", OTEL])
    cfg = tomllib.loads((demo / "sources.toml").read_text(encoding="utf-8"))
    otel = [s for s in cfg["source"] if s["system"] == OTEL]
    assert otel == [{"name": f"demo_{OTEL}", "system": OTEL, "url": (demo / OTEL).as_posix()}]
    got = {
        s["name"]: (s["system"], s["url"], s["timezone"])
        for s in cfg["source"]
        if s["system"] != OTEL
    }
    tz = {"ai_process_log": "Asia/Seoul"}
    assert got == {
        f"demo_{s}": (s, f"sqlite:///{(demo / f'{s}.db').resolve()}", tz.get(s, "UTC"))
        for s in EXPECTED_COLUMNS
    }
    assert all(url.startswith("sqlite:////") for _, url, _ in got.values())
    manifest = json.loads((demo / "truth" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["options"] == {
        "days": 3,
        "calls_per_day": 200,
        "end_date": "2025-06-24",
        "seed": 42,
        "bad_input": False,
    }


def test_deterministic(demo: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    generate(again, OPTS)
    truth_file = Path("truth") / "generations.parquet"
    assert (demo / truth_file).read_bytes() == (again / truth_file).read_bytes()
    assert (demo / "truth/manifest.json").read_bytes() == (
        again / "truth/manifest.json"
    ).read_bytes()
    assert _dump(demo) == _dump(again)
    assert _files(demo / OTEL) == _files(again / OTEL)

    other = tmp_path / "other"
    generate(other, DemoOptions(days=3, calls_per_day=200, seed=7))
    assert (demo / truth_file).read_bytes() != (other / truth_file).read_bytes()
    a, b = _dump(demo), _dump(other)
    assert a[("ml_gateway", "chat_logs")] != b[("ml_gateway", "chat_logs")]


def test_parallel_workers_give_identical_output(demo: Path, tmp_path: Path) -> None:
    par = tmp_path / "par"
    generate(par, OPTS, workers=3)
    truth_file = Path("truth") / "generations.parquet"
    assert (demo / truth_file).read_bytes() == (par / truth_file).read_bytes()
    assert _dump(demo) == _dump(par)
    assert sorted(p.name for p in par.iterdir()) == sorted(p.name for p in demo.iterdir())


def test_regenerate_replaces_and_refuses_foreign_dir(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    generate(out, DemoOptions(days=1, calls_per_day=20))
    m = generate(out, DemoOptions(days=2, calls_per_day=10))
    assert m["truth_rows"] == 20 + 2  # and one otel_genai call a day
    assert pq.read_metadata(out / "truth/generations.parquet").num_rows == 22
    assert [p.name for p in tmp_path.iterdir()] == ["demo"]  # no temp/old folders left

    foreign = tmp_path / "home"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("mine")
    with pytest.raises(FileExistsError):
        generate(foreign, DemoOptions(days=1, calls_per_day=5))
    assert (foreign / "notes.txt").read_text() == "mine"


def test_zero_calls(tmp_path: Path) -> None:
    m = generate(tmp_path / "d", DemoOptions(days=2, calls_per_day=0))
    assert m["truth_rows"] == 0
    assert pq.read_table(tmp_path / "d/truth/generations.parquet").num_rows == 0


# ------------------------------------------------------------------ schemas and counts


def test_every_table_has_exact_columns(demo: Path) -> None:
    for system, tables in EXPECTED_COLUMNS.items():
        with _db(demo, system) as c:
            present = {r[0] for r in c.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            assert present == set(tables), system
            for table, cols in tables.items():
                got = [r[1] for r in c.execute(f'PRAGMA table_info("{table}")')]
                assert got == cols.split(), (system, table)


def test_truth_schema_and_order(demo: Path, truth: list[dict]) -> None:
    schema = pq.read_schema(demo / "truth" / "generations.parquet")
    assert schema.names == list(TRUTH_TYPES)
    for name, typ in TRUTH_TYPES.items():
        assert schema.field(name).type == typ, name
    keys = [(r["source_name"], r["source_key"]) for r in truth]
    assert keys == sorted(keys)
    assert len(set(keys)) == len(keys)


def test_daily_counts_largest_remainder() -> None:
    assert daily_counts(200) == {
        "ai_process_log": 50,
        "trip_planner": 40,
        "text2sql": 50,
        "instagram_feed": 30,
        "ml_gateway": 30,
    }
    # 33334 * (25, 20, 25, 15, 15) % = 8333.5, 6666.8, 8333.5, 5000.1, 5000.1
    assert daily_counts(33334) == {
        "ai_process_log": 8334,
        "trip_planner": 6667,
        "text2sql": 8333,
        "instagram_feed": 5000,
        "ml_gateway": 5000,
    }
    # 7 -> 1.75, 1.4, 1.75, 1.05, 1.05
    assert list(daily_counts(7).values()) == [2, 1, 2, 1, 1]


def test_row_counts_match_truth(demo: Path, truth: list[dict]) -> None:
    manifest = json.loads((demo / "truth" / "manifest.json").read_text(encoding="utf-8"))
    per_system = Counter(r["source_system"] for r in truth)
    assert per_system == {
        "ai_process_log": 150,
        "trip_planner": 120,
        "text2sql": 150,
        "instagram_feed": 90,
        "ml_gateway": 90,
        OTEL: 60,  # a tenth of calls_per_day, on top
    }
    assert manifest["row_counts"][f"demo_{OTEL}"]["llm_spans"] == 60
    for system, (table, pk) in CALL_TABLE.items():
        with _db(demo, system) as c:
            keys = {str(r[0]) for r in c.execute(f'SELECT "{pk}" FROM "{table}"')}
        assert keys == set(_by_key(truth, system)), system
        assert {r["source_table"] for r in truth if r["source_system"] == system} == {table}
        for t, n in manifest["row_counts"][f"demo_{system}"].items():
            with _db(demo, system) as c:
                assert c.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] == n
    per_day = Counter(r["started_at"].date() for r in truth if r["source_system"] != OTEL)
    assert per_day == {dt.date(2025, 6, d): 200 for d in (22, 23, 24)}
    per_day_system = Counter((r["started_at"].date(), r["source_system"]) for r in truth)
    assert per_day_system[(dt.date(2025, 6, 23), "trip_planner")] == 40


# ------------------------------------------------------------------ per system


def test_ai_process_log_kst(demo: Path, truth: list[dict]) -> None:
    t = _by_key(truth, "ai_process_log")
    with _db(demo, "ai_process_log") as c:
        rows = c.execute(
            "SELECT l.id, l.created_at, l.model, l.token_input, l.latency_ms, l.node_name, "
            "s.user_id, l.session_id FROM ai_process_log l JOIN chat_session s USING (session_id)"
        ).fetchall()
    near_before = near_after = next_kst_day = 0
    for pk, created, model, tin, lat, node, user, sess in rows:
        assert len(created) == 26  # 'YYYY-MM-DD HH:MM:SS.ffffff'
        naive = dt.datetime.strptime(created, "%Y-%m-%d %H:%M:%S.%f")
        utc = naive.replace(tzinfo=KST).astimezone(UTC)
        r = t[str(pk)]
        assert r["started_at"] == utc
        assert (r["user_key"], r["session_key"], r["model_raw"]) == (user, sess, model)
        assert r["latency_ms"] == lat and r["status"] == "success"
        if node in ("rag_retrieve", "rag_rerank"):
            assert model is None and tin is None and r["provider"] is None
            assert r["input_tokens"] is None
        else:
            assert model in ("gpt-4o-mini", "gpt-4o", "o3") and r["provider"] == "openai"
            assert r["input_tokens"] == tin
        boundary = utc.replace(hour=15, minute=0, second=0, microsecond=0)
        delta = (utc - boundary).total_seconds()
        near_before += -60 <= delta < 0
        near_after += 0 <= delta < 60
        next_kst_day += naive.date() != utc.date()
    assert near_before >= 3 and near_after >= 3  # one of each per day at least
    assert next_kst_day >= len(rows) // 5


def test_trip_planner_failures(demo: Path, truth: list[dict]) -> None:
    t = _by_key(truth, "trip_planner")
    with _db(demo, "trip_planner") as c:
        rows = c.execute(
            "SELECT g.id, g.output, g.parsed_output, g.prompt_tokens, g.completion_tokens, "
            "g.total_tokens, g.latency_ms, g.model_name, g.model_provider, n.status, "
            "n.error_message, w.status, w.user_id, w.id, g.created_at, n.node_name "
            "FROM generations g JOIN nodes n ON n.id = g.node_id "
            "JOIN workflows w ON w.id = g.workflow_id"
        ).fetchall()
        per_wf = c.execute("SELECT COUNT(*) FROM nodes GROUP BY workflow_id").fetchall()
    assert {n for (n,) in per_wf} <= {2, 3, 4, 5}
    assert len(rows) == len(t)
    failed = 0
    names: set[str] = set()
    for (
        gid,
        out,
        parsed,
        p,
        comp,
        tot,
        lat,
        model,
        prov,
        n_status,
        n_err,
        w_status,
        u,
        w,
        ca,
        node,
    ) in rows:
        r = t[str(gid)]
        assert (model, prov) in (
            ("llama3.2", "ollama"), ("llama3.2:latest", "ollama"), ("gpt-4o-mini", "openai")
        )  # fmt: skip
        # only the generate_itinerary node names Ollama's default tag
        assert (model == "llama3.2:latest") == (prov == "ollama" and node == "generate_itinerary")
        names.add(model)
        assert (r["model_raw"], r["provider"]) == (model, prov)
        assert r["started_at"] == dt.datetime.fromisoformat(ca).replace(tzinfo=UTC)
        assert (r["user_key"], r["session_key"]) == (str(u), str(w))
        assert r["input_tokens"] == p and r["output_tokens"] == comp and tot == p + comp
        assert r["latency_ms"] == lat
        if out is None:
            failed += 1
            assert parsed is None and comp == 0 and n_status == "failed"
            assert w_status == "failed" and n_err
            assert r["status"] == "error" and r["error_message"] == n_err
        else:
            assert json.loads(parsed) == json.loads(out)
            assert r["status"] == "success" and r["error_message"] is None
    assert 0 < failed < len(rows) * 0.2
    assert names == {"llama3.2", "llama3.2:latest", "gpt-4o-mini"}


def test_text2sql_cost_sessions_and_secrets(demo: Path, truth: list[dict]) -> None:
    per_1k = {  # the app's stale prices, USD per 1K tokens (seed 002)
        "gpt-4o": (0.0025, 0.01),
        "gpt-4o-mini": (0.00015, 0.0006),
        "gpt-3.5-turbo": (0.0015, 0.002),
    }
    t = _by_key(truth, "text2sql")
    with _db(demo, "text2sql") as c:
        qa = c.execute(
            "SELECT q.id, q.prompt_tokens, q.completion_tokens, q.total_tokens, q.llm_model, "
            "q.llm_cost_estimate, q.success, q.error_message, q.user_id, q.timestamp, "
            "(SELECT m.session_id FROM chat_messages m WHERE m.query_id = q.query_id) "
            "FROM query_analytics q"
        ).fetchall()
        cfg = dict(c.execute("SELECT config_key, is_sensitive FROM system_config"))
        version = c.execute("SELECT version_num FROM alembic_version").fetchall()
        pw = c.execute("SELECT password_hash FROM users LIMIT 1").fetchone()[0]
    assert version == [("8e2fbd009a9c",)]
    assert cfg["openai_api_key"] == 1 and cfg["default_model"] == 0
    assert pw.startswith("$2b$12$")
    no_session = 0
    burst: dict[str, list[tuple[str, int]]] = {}  # the planted quota burst, by user
    for qid, p, comp, tot, model, cost, ok, err, user, ts, sess in qa:
        r = t[qid]
        pin, pout = per_1k[model]
        assert cost == pytest.approx(p / 1000 * pin + comp / 1000 * pout, rel=1e-12)
        assert r["reported_cost_usd"] == cost and tot == p + comp
        assert 30 <= comp <= 400
        if not 200 <= p <= 2000:
            burst.setdefault(user, []).append((ts, p))
        assert r["latency_ms"] is None and r["provider"] == "openai"
        assert r["status"] == ("success" if ok else "error") and r["error_message"] == err
        assert r["user_key"] == user and r["session_key"] == sess
        assert r["started_at"] == dt.datetime.fromisoformat(ts).replace(tzinfo=UTC)
        no_session += sess is None
    assert 0 < no_session < len(qa) * 0.2
    # one user, within one hour of the first day, 110,000 prompt tokens between the calls
    [(_, calls)] = burst.items()
    hours = {ts[:13] for ts, _ in calls}
    assert hours == {f"{OPTS.start_date.isoformat()} 13"}
    assert 110_000 <= sum(p for _, p in calls) < 110_000 + len(calls)


def test_instagram_tokens_offsets_and_cost(demo: Path, truth: list[dict]) -> None:
    per_1m = {"gpt-4o-mini": (0.15, 0.60), "gpt-4o": (2.50, 10.00)}
    per_1m["claude-3-5-sonnet-20241022"] = (3.00, 15.00)
    per_1m["claude-3-5-haiku-20241022"] = (0.80, 4.00)
    per_1m["o4-mini"] = (1.10, 4.40)
    # OpenAI's fine-tuned gpt-4o-mini inference: twice the base model's price
    per_1m["ft:gpt-4o-mini-2024-07-18:acme-ig::B7xKp2Qd"] = (0.30, 1.20)
    per_1m["HCX-003"] = (3.50, 3.50)
    t = _by_key(truth, "instagram_feed")
    with _db(demo, "instagram_feed") as c:
        models = {
            r[0]: r[1:]
            for r in c.execute(
                "SELECT llm_model_id, model_name, provider, prompt_token_cost_per_1m, "
                "completion_token_cost_per_1m FROM llm_models"
            )
        }
        rows = c.execute(
            "SELECT instagram_feed_id, llm_model_id, prompt_tokens, completion_tokens, "
            "total_tokens, token_usage, gpt_response_raw, created_at, job_id, tenant_id, "
            "latency_ms FROM instagram_feeds"
        ).fetchall()
    assert {m[0]: (m[2], m[3]) for m in models.values()} == per_1m
    null_cols = usage_only_raw = kst = cache_hits = 0
    claude = {"read": 0, "written": 0, "written_1h": 0, "batch": 0, "calls": 0}
    reasoning_by_model: dict[str, int] = {}
    for fid, mid, p, comp, tot, usage, raw, created, job, tenant, lat in rows:
        r = t[fid]
        name, provider, pin, pout = models[mid]
        raw_usage = json.loads(raw)["usage"]
        if provider == "anthropic":
            # Anthropic's usage: input_tokens leaves out the tokens read from and written
            # to the cache; the app's prompt_tokens holds the whole input
            written = raw_usage["cache_creation_input_tokens"]
            read = raw_usage["cache_read_input_tokens"]
            by_ttl = raw_usage["cache_creation"]
            whole_input = raw_usage["input_tokens"] + read + written
            assert by_ttl["ephemeral_5m_input_tokens"] + by_ttl["ephemeral_1h_input_tokens"] == (
                written
            )
            assert raw_usage["service_tier"] in ("standard", "batch")
            assert (r["cache_read_tokens"], r["cache_creation_tokens"]) == (read, written)
            assert r["cache_write_1h_tokens"] == by_ttl["ephemeral_1h_input_tokens"]
            assert r["is_batch"] == (raw_usage["service_tier"] == "batch")
            assert r["reasoning_tokens"] is None
            assert read in (0, 2048) and written in (0, 2048) and not (read and written)
            claude["calls"] += 1
            claude["read"] += read > 0
            claude["written"] += written > 0
            claude["written_1h"] += by_ttl["ephemeral_1h_input_tokens"] > 0
            claude["batch"] += r["is_batch"]
        if p is None:
            null_cols += 1
            assert comp is None and tot is None
            if usage is None:
                usage_only_raw += 1
                if provider == "anthropic":
                    p, comp = whole_input, raw_usage["output_tokens"]
                    tot = p + comp
                else:
                    p, comp = raw_usage["prompt_tokens"], raw_usage["completion_tokens"]
                    tot = raw_usage["total_tokens"]
            else:
                u = json.loads(usage)
                p, comp, tot = u["prompt_tokens"], u["completion_tokens"], u["total_tokens"]
        if provider == "anthropic":
            assert (whole_input, raw_usage["output_tokens"]) == (p, comp)
        else:
            details_p = raw_usage.pop("prompt_tokens_details", None)
            details_c = raw_usage.pop("completion_tokens_details", None)
            assert raw_usage == {
                "prompt_tokens": p, "completion_tokens": comp, "total_tokens": tot
            }  # fmt: skip
            assert r["cache_creation_tokens"] is None and r["cache_write_1h_tokens"] is None
            assert r["is_batch"] in (None, False)
        if provider == "openai":  # OpenAI's usage details: parts of prompt / completion
            cached, reasoning = details_p["cached_tokens"], details_c["reasoning_tokens"]
            assert (r["cache_read_tokens"], r["reasoning_tokens"]) == (cached, reasoning)
            assert cached == 0 or (p >= cached >= 1024 and cached % 128 == 0)
            assert 0 <= reasoning < comp
            cache_hits += cached > 0
            reasoning_by_model[name] = reasoning_by_model.get(name, 0) + reasoning
        elif provider != "anthropic":
            assert details_p is None and details_c is None
            assert r["cache_read_tokens"] is None and r["reasoning_tokens"] is None
        assert (r["input_tokens"], r["output_tokens"]) == (p, comp) and tot == p + comp
        assert (r["model_raw"], r["provider"]) == (name, provider)
        assert r["reported_cost_usd"] == pytest.approx(p * pin / 1e6 + comp * pout / 1e6)
        assert created[-6:] in ("+00:00", "+09:00")
        kst += created.endswith("+09:00")
        assert r["started_at"] == dt.datetime.fromisoformat(created)
        assert (r["session_key"], r["tenant_id"], r["user_key"]) == (job, tenant, None)
        assert r["latency_ms"] == lat and r["status"] == "success"
    # every Claude case is there: reads, 5-minute and 1-hour writes, batch calls
    assert 0 < claude["written_1h"] < claude["written"]
    assert claude["read"] > 0 and 0 < claude["batch"] < claude["calls"]
    assert 0 < usage_only_raw < null_cols < len(rows) * 0.3
    assert 0 < cache_hits < len(rows) * 0.5
    assert reasoning_by_model.pop("o4-mini") > 0  # only the reasoning model reasons
    assert set(reasoning_by_model.values()) == {0}
    assert 0 < kst < len(rows)


def test_ml_gateway(demo: Path, truth: list[dict]) -> None:
    provider = {
        "gpt-4o-mini-2024-07-18": "openai",
        "GPT-4o-mini": "openai",
        "openai/gpt-4o": "openai",
        "o3": "openai",
        "claude-3-5-sonnet-20241022": "anthropic",
        "acme-llm-7b": None,
    }
    t = _by_key(truth, "ml_gateway")
    with _db(demo, "ml_gateway") as c:
        sql = 'SELECT id, "createdAt", model, response, duration, error FROM chat_logs'
        rows = c.execute(sql).fetchall()
    errors = 0
    for cid, created, model, response, duration, error in rows:
        r = t[cid]
        assert len(cid) == 25 and cid.startswith("c")
        assert len(created) == 23  # millisecond precision
        assert r["started_at"] == dt.datetime.fromisoformat(created).replace(tzinfo=UTC)
        assert r["provider"] == provider[model] and r["model_raw"] == model
        assert r["input_tokens"] is None and r["output_tokens"] is None
        assert r["latency_ms"] == duration
        if error is not None:
            errors += 1
            assert response is None and r["status"] == "error" and r["error_message"] == error
            if error.startswith("upstream timeout"):
                assert duration >= 30_000
        else:
            assert response and r["status"] == "success"
    assert 0 < errors < len(rows) * 0.3


def test_planted_long_context_calls_leave_every_other_call_unchanged(tmp_path: Path) -> None:
    """The otel_genai generator with and without its planting stream: the same calls, the
    planted ones (standard dialect, successful) differing only in model and tokens."""
    import numpy as np

    from demo import _otel_genai as og

    def calls(plant: bool, folder: Path) -> tuple[list[dict], list[dict]]:
        seq = np.random.SeedSequence(7).spawn(2)
        gen = og.Generator(
            folder,
            np.random.default_rng(seq[0]),
            plant_rng=np.random.default_rng(seq[1]) if plant else None,
        )
        for d in range(3):
            gen.day(d, d * 86_400_000_000, 60)
        return gen.truth, gen.calls

    planted, planted_calls = calls(True, tmp_path / "a")
    plain, plain_calls = calls(False, tmp_path / "b")
    assert planted_calls == plain_calls and len(planted) == len(plain) == 180
    dialect = {c["source_key"]: c["dialect"] for c in plain_calls}
    changed = {"provider", "model_raw", "input_tokens", "cache_read_tokens",
               "cache_creation_tokens", "reasoning_tokens"}  # fmt: skip
    n_planted = 0
    for a, b in zip(planted, plain, strict=True):
        if a["model_raw"] == og.LONG_CONTEXT_MODEL[2]:
            n_planted += 1
            assert dialect[a["source_key"]] == "standard" and a["status"] == "success"
            a, b = ({k: v for k, v in r.items() if k not in changed} for r in (a, b))
        assert a == b
    assert 10 <= n_planted <= 60
    assert any((r["input_tokens"] or 0) > og.LONG_CONTEXT_OVER for r in planted)
