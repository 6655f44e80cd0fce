"""ai_process_log (seed 000): RAG chatbot call log, times in naive Korean time."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from . import _texts as tx
from ._util import (
    KST_OFFSET_US,
    US_PER_S,
    DbWriter,
    Table,
    fmt_us,
    grouped_times,
    hex_strings,
    lognormal_ms,
    pick,
    truth_chunk,
    with_nulls,
)

SYSTEM = "ai_process_log"
# demo/__init__.py: percent of calls_per_day; timezone written to sources.toml; rough
# relative cost per call (biggest generators start first)
SHARE, TIMEZONE, COST_WEIGHT = 25, "Asia/Seoul", 1.0
TABLES = (
    Table(
        "chat_session",
        "CREATE TABLE chat_session (session_id VARCHAR(50) PRIMARY KEY, user_id VARCHAR(50), "
        "title TEXT, created_at DATETIME, updated_at DATETIME)",
    ),
    Table(
        "ai_process_log",
        "CREATE TABLE ai_process_log (id INTEGER PRIMARY KEY, session_id VARCHAR(50) NOT NULL, "
        "node_name VARCHAR(50), model VARCHAR(50), token_input INTEGER, token_output INTEGER, "
        "latency_ms INTEGER, created_at DATETIME NOT NULL)",
        (
            "CREATE INDEX idx_ai_log_session ON ai_process_log (session_id)",
            "CREATE INDEX idx_ai_log_created ON ai_process_log (created_at)",
        ),
    ),
)

N_USERS = 60
# node pattern by position inside a session; the last call of a session always answers
NODES = ["intent_classify", "rag_retrieve", "rag_rerank", "answer_generate", "summarize"]
PATTERN = np.array([0, 1, 2, 3, 0, 1, 3, 4, 3, 4])
IS_RAG = np.array([False, True, True, False, False])
# per node: (input lo, input hi, output lo, output hi)
TOKENS = np.array(
    [[80, 400, 3, 30], [0, 0, 0, 0], [0, 0, 0, 0], [1200, 6000, 120, 900], [600, 3000, 60, 350]]
)
MODELS = ["gpt-4o-mini", "gpt-4o", "o3"]
MODEL_MEDIAN_MS = np.array([900.0, 1800.0, 6000.0])
RAG_MEDIAN_MS = 150.0


class Generator:
    def __init__(self, writer: DbWriter, rng: np.random.Generator, **_: object) -> None:
        self.w, self.rng = writer, rng
        self.users = [f"u_{i:04d}" for i in range(1, N_USERS + 1)]
        self.next_id = 1

    def setup(self) -> None:
        pass

    def day(self, day_start_us: int, n: int) -> pa.Table:
        rng = self.rng
        # Two sessions pinned around 15:00 UTC (00:00 KST): one starting up to 30 s
        # before, one up to 30 s after, so the KST->UTC day boundary is exercised.
        at15 = 15 * 3600 * US_PER_S
        forced = [
            at15 - int(rng.integers(1, 30 * US_PER_S)),
            at15 + int(rng.integers(0, 30 * US_PER_S)),
        ]
        t, sess, pos, sizes = grouped_times(rng, day_start_us, n, 3, 8, 2, 90, 900, forced)
        n_sess = len(sizes)
        node = PATTERN[np.minimum(pos, len(PATTERN) - 1)]
        last = pos == sizes[sess] - 1
        node = np.where(last & (IS_RAG[node] | (node == 0)), 3, node)
        rag = IS_RAG[node]
        # 62 % mini, 30 % 4o, 8 % o3 (whose list price changed on 2025-06-10)
        u = rng.random(n)
        model_i = (u >= 0.62).astype(np.int64) + (u >= 0.92).astype(np.int64)
        tok = TOKENS[node]
        tin = rng.integers(tok[:, 0], tok[:, 1] + 1)
        tout = rng.integers(tok[:, 2], tok[:, 3] + 1)
        lat = np.where(
            rag,
            lognormal_ms(rng, RAG_MEDIAN_MS, 0.4, n),
            lognormal_ms(rng, MODEL_MEDIAN_MS[model_i], 0.5, n) * (0.6 + tout / 1000.0),
        )
        lat = np.clip(np.rint(lat), 5, 120_000).astype(np.int64)

        sess_ids = hex_strings(rng, n_sess, 16, prefix="s_")
        sess_user = rng.integers(0, N_USERS, size=n_sess)
        first = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
        lastrow = first + sizes - 1
        s_created = t[first] - rng.integers(1 * US_PER_S, 20 * US_PER_S, size=n_sess)
        s_updated = t[lastrow] + lat[lastrow] * 1000
        self.w.insert(
            "chat_session",
            [
                sess_ids,
                pick(self.users, sess_user),
                pick(tx.AI_SESSION_TITLES, rng.integers(0, len(tx.AI_SESSION_TITLES), n_sess)),
                fmt_us(s_created + KST_OFFSET_US),
                fmt_us(s_updated + KST_OFFSET_US),
            ],
        )

        ids = np.arange(self.next_id, self.next_id + n, dtype=np.int64)
        self.next_id += n
        row_sess = pick(sess_ids, sess)
        models = with_nulls(pick(MODELS, model_i), rag)
        self.w.insert(
            "ai_process_log",
            [
                ids.tolist(),
                row_sess,
                pick(NODES, node),
                models,
                with_nulls(tin, rag),
                with_nulls(tout, rag),
                lat.tolist(),
                fmt_us(t + KST_OFFSET_US),
            ],
        )
        return truth_chunk(
            SYSTEM,
            "ai_process_log",
            source_key=ids.astype(str).tolist(),
            started_at_us=t,
            status_error=np.zeros(n, dtype=bool),
            user_key=pick(self.users, sess_user[sess]),
            session_key=row_sess,
            provider=with_nulls(["openai"] * n, rag),
            model_raw=models,
            input_tokens=tin,
            output_tokens=tout,
            tokens_null=rag,
            latency_ms=lat,
        )

    def finish(self) -> None:
        pass
