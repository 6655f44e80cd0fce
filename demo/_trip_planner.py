"""trip_planner (seed 001): LangGraph date-course planner; workflows -> nodes -> generations.

Naive UTC times. One generation per LLM node; a failed generation fails its node and its
workflow (later nodes are 'skipped').
"""

from __future__ import annotations

import json

import numpy as np
import pyarrow as pa

from . import _texts as tx
from ._util import (
    US_PER_DAY,
    US_PER_S,
    DbWriter,
    Table,
    fmt_us,
    js,
    lognormal_ms,
    pick,
    truth_chunk,
    with_nulls,
)

SYSTEM = "trip_planner"
# demo/__init__.py: percent of calls_per_day; timezone written to sources.toml; rough
# relative cost per call (biggest generators start first)
SHARE, TIMEZONE, COST_WEIGHT = 20, "UTC", 3.0
TABLES = (
    Table(
        "users",
        "CREATE TABLE users (id INTEGER PRIMARY KEY, username VARCHAR UNIQUE, email VARCHAR, "
        "created_at DATETIME, updated_at DATETIME)",
    ),
    Table(
        "workflows",
        "CREATE TABLE workflows (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users(id), "
        "status VARCHAR, user_input TEXT, input_type VARCHAR, time_settings JSON, "
        "date_theme JSON, user_intent JSON, search_radius INTEGER, final_itinerary JSON, "
        "created_at DATETIME, updated_at DATETIME, completed_at DATETIME)",
        ("CREATE INDEX ix_workflows_user_id ON workflows (user_id)",),
    ),
    Table(
        "nodes",
        "CREATE TABLE nodes (id INTEGER PRIMARY KEY, workflow_id INTEGER REFERENCES "
        "workflows(id), node_name VARCHAR, node_type VARCHAR, execution_order INTEGER, "
        "status VARCHAR, state_data JSON, input_data JSON, output_data JSON, "
        "error_message TEXT, error_traceback TEXT, started_at DATETIME, completed_at DATETIME, "
        "duration_ms INTEGER)",
        ("CREATE INDEX ix_nodes_workflow_id ON nodes (workflow_id)",),
    ),
    Table(
        "generations",
        "CREATE TABLE generations (id INTEGER PRIMARY KEY, workflow_id INTEGER REFERENCES "
        "workflows(id), node_id INTEGER REFERENCES nodes(id), model_name VARCHAR, "
        "model_provider VARCHAR, system_prompt TEXT, user_prompt TEXT, output TEXT, "
        "parsed_output JSON, temperature FLOAT, max_tokens INTEGER, prompt_tokens INTEGER, "
        "completion_tokens INTEGER, total_tokens INTEGER, latency_ms INTEGER, "
        "created_at DATETIME)",
        (
            "CREATE INDEX ix_generations_workflow_id ON generations (workflow_id)",
            "CREATE INDEX ix_generations_created_at ON generations (created_at)",
        ),
    ),
)

N_USERS = 40
# node kinds: name, node_type, is_llm
KINDS = [
    ("analyze_user_input", "analysis", True),
    ("search_places", "search", False),
    ("route_request", "routing", False),
    ("recommend_places", "generation", True),
    ("generate_itinerary", "generation", True),
]
K_NAME = [k[0] for k in KINDS]
K_TYPE = [k[1] for k in KINDS]
K_LLM = np.array([k[2] for k in KINDS])
PLANS = [[0, 1], [0, 2], [0, 1, 4], [0, 2, 1, 4], [0, 1, 3, 4], [0, 2, 1, 3, 4]]
PLAN_P = [0.10, 0.10, 0.30, 0.20, 0.15, 0.15]
PLAN_NODES = np.full((len(PLANS), 5), -1)
for _i, _p in enumerate(PLANS):
    PLAN_NODES[_i, : len(_p)] = _p
PLAN_LEN = np.array([len(p) for p in PLANS])
PLAN_GENS = np.array([int(K_LLM[p].sum()) for p in PLANS])
PLAN_FOR_GENS = {1: 0, 2: 2, 3: 4}
FAIL_P_WORKFLOW = 0.04 * float(np.dot(PLAN_P, PLAN_GENS))  # ~4 % of generations fail

# per kind: prompt lo/hi, completion lo/hi, temperature, max_tokens
GEN_PARAMS = {
    0: (250, 700, 40, 150, 0.3, 512),
    3: (1200, 3500, 200, 600, 0.7, 1024),
    4: (1500, 4000, 300, 900, 0.7, 2048),
}
PARAM_TABLE = np.zeros((len(KINDS), 6))
for _k, _v in GEN_PARAMS.items():
    PARAM_TABLE[_k] = _v
# model_name, model_provider, median latency ms. The generate_itinerary node's Ollama
# client names the model with Ollama's default tag: one model under two names.
MODELS = [
    ("llama3.2", "ollama", 3500.0),
    ("gpt-4o-mini", "openai", 900.0),
    ("llama3.2:latest", "ollama", 3500.0),
]
IS_OLLAMA = np.array([m[1] == "ollama" for m in MODELS])
ITINERARY_KIND = K_NAME.index("generate_itinerary")

# texts keyed by (user_input index, kind)
N_IN = len(tx.TRIP_USER_INPUTS)


def _key_pools() -> dict[str, list[str | None]]:
    pools: dict[str, list[str | None]] = {
        k: [None] * (N_IN * 5)
        for k in ("state", "input", "output_data", "prompt", "out", "out2", "parsed", "parsed2")
    }
    for i, (text, place) in enumerate(
        zip(tx.TRIP_USER_INPUTS, tx.TRIP_PLACE_OF_INPUT, strict=True)
    ):
        for k, name in enumerate(K_NAME):
            key = i * 5 + k
            pools["state"][key] = js(
                {"user_input": text, "region": place, "current_node": name, "messages": []}
            )
            pools["input"][key] = js({"user_input": text, "region": place})
            if k == 0:
                pools["prompt"][key] = text
            elif K_LLM[k]:
                pools["prompt"][key] = f"지역: {place}\n요청: {text}\n후보 장소를 참고해 답하세요."
            if K_LLM[k]:
                outs = tx.TRIP_OUTPUTS[name]
                out, out2 = outs[0].replace("%s", place), outs[1].replace("%s", place)
                pools["out"][key], pools["out2"][key] = out, out2
                pools["parsed"][key] = js(json.loads(out))
                pools["parsed2"][key] = js(json.loads(out2))
                pools["output_data"][key] = js({"result": json.loads(out)})
            else:
                pools["output_data"][key] = js(
                    {"places_found": 12 if k == 1 else 0, "next": "recommend_places"}
                )
    return pools


POOLS = _key_pools()
ITINERARIES = [
    js(json.loads(tx.TRIP_OUTPUTS["generate_itinerary"][0].replace("%s", p)))
    for p in tx.TRIP_PLACE_OF_INPUT
]
TIME_SETTINGS = [
    js({"start_time": s, "end_time": e, "duration_hours": d})
    for s, e, d in [
        ("10:00", "16:00", 6),
        ("14:00", "20:00", 6),
        ("18:00", "23:00", 5),
        ("12:00", "18:00", 6),
    ]
]
DATE_THEMES = [
    js({"theme": t, "mood": m})
    for t, m in [
        ("카페 투어", "로맨틱"),
        ("맛집 탐방", "캐주얼"),
        ("야경", "감성"),
        ("전시", "차분한"),
    ]
]
USER_INTENTS = [
    js({"purpose": p, "companions": c, "budget": b})
    for p, c, b in [
        ("데이트", 2, "보통"),
        ("친구 모임", 4, "저렴"),
        ("기념일", 2, "여유"),
        ("혼자 여행", 1, "보통"),
    ]
]


class Generator:
    def __init__(self, writer: DbWriter, rng: np.random.Generator, start_us: int, **_: object):
        self.w, self.rng, self.start_us = writer, rng, start_us
        self.user_w = rng.dirichlet(np.full(N_USERS, 0.8))
        self.next_wf = self.next_node = self.next_gen = 1

    def setup(self) -> None:
        rng = self.rng
        ids = np.arange(1, N_USERS + 1)
        created = self.start_us - rng.integers(1, 120, N_USERS) * US_PER_DAY
        created += rng.integers(0, US_PER_DAY, N_USERS)
        email_null = rng.random(N_USERS) < 0.1
        self.w.insert(
            "users",
            [
                ids.tolist(),
                [f"user{i}" for i in ids],
                with_nulls([f"user{i}@example.com" for i in ids], email_null),
                fmt_us(created),
                fmt_us(created),
            ],
        )

    def day(self, day_start_us: int, n: int) -> pa.Table:
        rng = self.rng
        # ---- workflows: plans whose LLM-node counts add up to exactly n
        plans = rng.choice(len(PLANS), size=n, p=PLAN_P)
        cum = np.cumsum(PLAN_GENS[plans])
        k = int(np.searchsorted(cum, n))
        plans = plans[: k + 1].copy()
        plans[k] = PLAN_FOR_GENS[int(n - (cum[k - 1] if k else 0))]
        nw = len(plans)
        wf_ids = np.arange(self.next_wf, self.next_wf + nw)
        self.next_wf += nw
        wf_user = rng.choice(N_USERS, size=nw, p=self.user_w) + 1
        wf_input = rng.integers(0, N_IN, nw)
        wf_fail = rng.random(nw) < FAIL_P_WORKFLOW
        wf_start = day_start_us + rng.integers(0, US_PER_DAY - 1200 * US_PER_S, nw)

        # ---- nodes
        lens = PLAN_LEN[plans]
        kind = PLAN_NODES[plans][PLAN_NODES[plans] >= 0]
        wf = np.repeat(np.arange(nw), lens)
        nn = len(kind)
        first = np.concatenate([[0], np.cumsum(lens)[:-1]])
        order = np.arange(nn) - first[wf]
        is_llm = K_LLM[kind]
        # the last LLM node of a failing workflow fails; nodes after it are skipped
        llm_pos = np.where(is_llm, order, -1)
        last_llm = np.full(nw, -1)
        np.maximum.at(last_llm, wf, llm_pos)
        failed = wf_fail[wf] & (order == last_llm[wf])
        skipped = wf_fail[wf] & (order > last_llm[wf])

        # ---- generations (one per LLM node)
        g_node = np.flatnonzero(is_llm)
        ng = len(g_node)
        assert ng == n
        g_kind = kind[g_node]
        g_wf = wf[g_node]
        g_fail = failed[g_node]
        model = (rng.random(ng) < 0.20).astype(np.int64)  # 80 % llama3.2 / 20 % gpt-4o-mini
        model = np.where((model == 0) & (g_kind == ITINERARY_KIND), 2, model)
        par = PARAM_TABLE[g_kind]
        p_tok = rng.integers(par[:, 0].astype(int), par[:, 1].astype(int) + 1)
        c_tok = rng.integers(par[:, 2].astype(int), par[:, 3].astype(int) + 1)
        median = np.array([m[2] for m in MODELS])[model]
        lat = np.clip(lognormal_ms(rng, median, 0.55, ng) * (0.5 + c_tok / 800.0), 80, 55_000)
        # failures: ollama mostly read timeouts, openai rate limits / timeouts
        err_variant = (rng.random(ng) < 0.2).astype(np.int64)
        timeout = np.where(IS_OLLAMA[model], err_variant == 0, err_variant == 1)
        fail_lat = np.where(timeout, 60_000 + rng.integers(0, 400, ng), rng.integers(5, 400, ng))
        lat = np.rint(np.where(g_fail, fail_lat, lat)).astype(np.int64)
        c_tok = np.where(g_fail, 0, c_tok)
        err_msgs = np.where(
            IS_OLLAMA[model],
            np.array(tx.TRIP_ERRORS_OLLAMA, dtype=object)[err_variant],
            np.array(tx.TRIP_ERRORS_OPENAI, dtype=object)[err_variant],
        )

        # ---- node timing (ms granularity offsets, us timestamps)
        dur = np.zeros(nn, dtype=np.int64)
        dur[g_node] = lat + rng.integers(3, 120, ng)
        dur = np.where(kind == 1, np.rint(lognormal_ms(rng, 600.0, 0.5, nn)), dur)
        dur = np.where(kind == 2, rng.integers(1, 20, nn), dur).astype(np.int64)
        dur[skipped] = 0
        step = dur * 1000 + rng.integers(200, 50_000, nn)  # node duration + gap, in us
        offs = np.cumsum(step) - step  # start offset of each node from its workflow's first
        offs -= offs[first][wf]
        n_start = wf_start[wf] + 50_000 + offs
        n_end = n_start + dur * 1000
        g_start = n_start[g_node] + rng.integers(500, 30_000, ng)

        wf_last = first + lens - 1
        wf_end = n_end[wf_last]
        wf_end_exec = np.where(skipped[wf_last], n_end[wf_last - 1], wf_end)
        node_ids = np.arange(self.next_node, self.next_node + nn)
        self.next_node += nn
        gen_ids = np.arange(self.next_gen, self.next_gen + ng)
        self.next_gen += ng

        wf_status = np.where(wf_fail, "failed", "completed")
        self.w.insert(
            "workflows",
            [
                wf_ids.tolist(),
                wf_user.tolist(),
                wf_status.tolist(),
                pick(tx.TRIP_USER_INPUTS, wf_input),
                pick(["region", "specific_place"], (rng.random(nw) < 0.3).astype(int)),
                pick(TIME_SETTINGS, rng.integers(0, len(TIME_SETTINGS), nw)),
                pick(DATE_THEMES, rng.integers(0, len(DATE_THEMES), nw)),
                pick(USER_INTENTS, rng.integers(0, len(USER_INTENTS), nw)),
                pick([500, 1000, 2000, 3000], rng.integers(0, 4, nw)),
                with_nulls(pick(ITINERARIES, wf_input), wf_fail),
                fmt_us(wf_start),
                fmt_us(wf_end_exec),
                fmt_us(wf_end_exec),
            ],
        )
        key = wf_input[wf] * 5 + kind
        n_err = np.full(nn, None, dtype=object)
        n_err[g_node] = np.where(g_fail, err_msgs, np.array(None, dtype=object))
        tb = [
            None if e is None else tx.TRIP_TRACEBACK.format(node=K_NAME[kk], error=e)
            for e, kk in zip(n_err.tolist(), kind.tolist(), strict=True)
        ]
        n_status = np.where(failed, "failed", np.where(skipped, "skipped", "completed"))
        self.w.insert(
            "nodes",
            [
                node_ids.tolist(),
                wf_ids[wf].tolist(),
                pick(K_NAME, kind),
                pick(K_TYPE, kind),
                (order + 1).tolist(),
                n_status.tolist(),
                with_nulls(pick(POOLS["state"], key), skipped),
                with_nulls(pick(POOLS["input"], key), skipped),
                with_nulls(pick(POOLS["output_data"], key), failed | skipped),
                n_err.tolist(),
                tb,
                with_nulls(fmt_us(n_start), skipped),
                with_nulls(fmt_us(n_end), skipped),
                with_nulls(dur, skipped),
            ],
        )
        g_key = key[g_node]
        out_variant = rng.random(ng) < 0.5
        out = np.where(
            out_variant,
            np.array(POOLS["out2"], dtype=object)[g_key],
            np.array(POOLS["out"], dtype=object)[g_key],
        )
        parsed = np.where(
            out_variant,
            np.array(POOLS["parsed2"], dtype=object)[g_key],
            np.array(POOLS["parsed"], dtype=object)[g_key],
        ).tolist()
        sys_prompt = pick([tx.TRIP_SYSTEM_PROMPTS.get(nm) for nm in K_NAME], g_kind)
        self.w.insert(
            "generations",
            [
                gen_ids.tolist(),
                wf_ids[g_wf].tolist(),
                node_ids[g_node].tolist(),
                pick([m[0] for m in MODELS], model),
                pick([m[1] for m in MODELS], model),
                sys_prompt,
                pick(POOLS["prompt"], g_key),
                with_nulls(out, g_fail),
                with_nulls(parsed, g_fail),
                par[:, 4].tolist(),
                par[:, 5].astype(np.int64).tolist(),
                p_tok.tolist(),
                c_tok.tolist(),
                (p_tok + c_tok).tolist(),
                lat.tolist(),
                fmt_us(g_start),
            ],
        )
        return truth_chunk(
            SYSTEM,
            "generations",
            source_key=gen_ids.astype(str).tolist(),
            started_at_us=g_start,
            status_error=g_fail,
            user_key=wf_user[g_wf].astype(str).tolist(),
            session_key=wf_ids[g_wf].astype(str).tolist(),
            provider=pick([m[1] for m in MODELS], model),
            model_raw=pick([m[0] for m in MODELS], model),
            input_tokens=p_tok,
            output_tokens=c_tok,
            latency_ms=lat,
            error_message=with_nulls(err_msgs, ~g_fail),
        )

    def finish(self) -> None:
        pass
