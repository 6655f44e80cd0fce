"""ml_gateway (seed 004): Prisma ChatLog -> table chat_logs (PostgreSQL in production).

CUID ids, camelCase "createdAt" (naive UTC, millisecond precision), duration in ms,
error text marks failure, no token counts at all. Model strings as the apps send them.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from . import _texts as tx
from ._util import (
    US_PER_DAY,
    DbWriter,
    Table,
    choice_idx,
    cuids,
    fmt_us,
    lognormal_ms,
    pick,
    truth_chunk,
    with_nulls,
)

SYSTEM = "ml_gateway"
# demo/__init__.py: percent of calls_per_day; timezone written to sources.toml; rough
# relative cost per call (biggest generators start first)
SHARE, TIMEZONE, COST_WEIGHT = 15, "UTC", 0.6
TABLES = (
    Table(
        "chat_logs",
        'CREATE TABLE chat_logs (id TEXT PRIMARY KEY, "createdAt" TIMESTAMP NOT NULL, '
        "prompt TEXT NOT NULL, model TEXT NOT NULL, response TEXT, duration INTEGER, "
        "error TEXT)",
        ('CREATE INDEX "chat_logs_createdAt_idx" ON chat_logs ("createdAt")',),
    ),
)

# model string as written, share, true provider (None = unknown), median latency ms
MODELS = [
    ("gpt-4o-mini-2024-07-18", 0.30, "openai", 900.0),
    ("GPT-4o-mini", 0.15, "openai", 900.0),
    ("openai/gpt-4o", 0.20, "openai", 1800.0),
    ("claude-3-5-sonnet-20241022", 0.20, "anthropic", 2200.0),
    ("o3", 0.10, "openai", 6000.0),
    ("acme-llm-7b", 0.05, None, 1200.0),
]
ERRORS = ["429 Too Many Requests", "upstream timeout after 30000ms"]
ERROR_CAUSES = dict(zip(ERRORS, ["rate_limit", "timeout"], strict=True))  # kind 0 / 1


class Generator:
    def __init__(self, writer: DbWriter, rng: np.random.Generator, **_: object) -> None:
        self.w, self.rng = writer, rng

    def setup(self) -> None:
        pass

    def day(self, day_start_us: int, n: int) -> pa.Table:
        rng = self.rng
        # Prisma keeps milliseconds: draw whole milliseconds so truth == stored value
        t = np.sort(day_start_us + rng.integers(0, US_PER_DAY // 1000, n) * 1000)
        ids = cuids(rng, n)
        model = choice_idx(rng, n, [m[1] for m in MODELS])
        prompt_i = rng.integers(0, len(tx.GW_PROMPTS), n)
        fail = rng.random(n) < 0.08
        kind = (rng.random(n) < 0.5).astype(np.int64)  # 0: 429, 1: timeout
        ok_ms = np.clip(
            lognormal_ms(rng, np.array([m[3] for m in MODELS])[model], 0.5, n), 60, 29_000
        )
        err_ms = np.where(kind == 0, rng.integers(15, 400, n), 30_000 + rng.integers(0, 60, n))
        dur = np.rint(np.where(fail, err_ms, ok_ms)).astype(np.int64)
        err = with_nulls(pick(ERRORS, kind), ~fail)
        self.w.insert(
            "chat_logs",
            [
                ids,
                fmt_us(t, millis=True),
                pick(tx.GW_PROMPTS, prompt_i),
                pick([m[0] for m in MODELS], model),
                with_nulls(pick(tx.GW_RESPONSES, prompt_i), fail),
                dur.tolist(),
                err,
            ],
        )
        return truth_chunk(
            SYSTEM,
            "chat_logs",
            source_key=ids,
            started_at_us=t,
            status_error=fail,
            provider=pick([m[2] for m in MODELS], model),
            model_raw=pick([m[0] for m in MODELS], model),
            latency_ms=dur,
            error_message=err,
        )

    def finish(self) -> None:
        pass
