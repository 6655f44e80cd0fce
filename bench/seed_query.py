"""Seed 003's own answer beside ours: its query 6 (estimated cost per model for one tenant
over the last 7 days) run on PostgreSQL as the app runs it, against reading the same answer
from the marts (issue #8).

The app's instagram_feed rows (the demo's SQLite database, copied with production types
into a PostgreSQL server this module starts) get the seed's indexes (tenant_id, created_at,
llm_model_id), then `ANALYZE`. `NOW()` becomes midnight UTC after the data's last day, so
the app's rolling 7 x 24 hours are exactly our last 7 UTC days.

Where the two answers differ by definition (docs/bench.md): the app sums the token columns
only, we fall back to its token_usage / gpt_response_raw JSON; the app prices at its own
`llm_models` prices (stale), we at the list price in force on each day, cached input at the
cache-read price; the app groups by its llm_models row, we by the canonical provider and
model (its rows are mapped through `staging.stg_landing__models_resolved` before comparing);
the app counts rows we set aside as impossible (docs/bad_input.md). Request counts must agree per
model after that mapping, less set-aside rows.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import duckdb
import psycopg

from tests.support import pgserver
from tests.support.postgres import copy_sqlite_to_postgres

T = TypeVar("T")

# The seed's query 6, verbatim but for the tenant and NOW() parameters and one fix: as
# written it fails on PostgreSQL (`function round(double precision, integer) does not exist`:
# the seed declares the llm_models prices FLOAT), so each ROUND argument is cast to numeric.
QUERY_6 = """
SELECT
    lm.model_name,
    lm.provider,
    COUNT(if.instagram_feed_id) as request_count,
    SUM(if.prompt_tokens) as total_prompt_tokens,
    SUM(if.completion_tokens) as total_completion_tokens,
    SUM(if.total_tokens) as total_tokens,
    ROUND((SUM(if.prompt_tokens) * lm.prompt_token_cost_per_1m / 1000000)::numeric, 4)
        as estimated_input_cost_usd,
    ROUND((SUM(if.completion_tokens) * lm.completion_token_cost_per_1m / 1000000)::numeric, 4)
        as estimated_output_cost_usd,
    ROUND(
        ((SUM(if.prompt_tokens) * lm.prompt_token_cost_per_1m +
         SUM(if.completion_tokens) * lm.completion_token_cost_per_1m) / 1000000)::numeric,
        4
    ) as estimated_total_cost_usd
FROM instagram_feeds if
INNER JOIN llm_models lm ON if.llm_model_id = lm.llm_model_id
WHERE if.tenant_id = %(tenant)s
AND if.created_at >= %(now)s::timestamptz - INTERVAL '7 days'
GROUP BY lm.llm_model_id, lm.model_name, lm.provider,
         lm.prompt_token_cost_per_1m, lm.completion_token_cost_per_1m
ORDER BY estimated_total_cost_usd DESC
"""
SEED_INDEXES = [
    "create index on instagram_feeds (tenant_id)",
    "create index on instagram_feeds (created_at)",
    "create index on instagram_feeds (llm_model_id)",
    "create index on llm_models (provider)",
    "create index on llm_models (model_name)",
]
MART_QUERY = """
select provider, model, sum(requests) as requests, sum(input_tokens) as input_tokens,
       sum(output_tokens) as output_tokens, sum(cost_usd) as cost_usd
from marts.daily_usage
where source_system = 'instagram_feed' and tenant_id = $tenant
  and usage_date >= $first and usage_date < $end
group by provider, model
order by cost_usd desc nulls last
"""
MODEL_COSTS_QUERY = """
select provider, model, sum(requests) as requests, sum(cost_usd) as cost_usd
from marts.model_costs
where usage_date >= $first and usage_date < $end
group by provider, model
order by cost_usd desc nulls last
"""


def _best_of(n: int, fn: Callable[[], T]) -> tuple[float, T]:
    times = []
    for _ in range(n):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return min(times), result


def compare(instagram_db: Path, warehouse: Path, repeats: int = 3) -> dict:
    """Time query 6 on PostgreSQL and the marts' answer; compare them per canonical model."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        [(tenant, last_day)] = con.execute(
            "select tenant_id, max(usage_date) from marts.daily_usage "
            "where source_system = 'instagram_feed' group by tenant_id "
            "order by sum(requests) desc, tenant_id limit 1"
        ).fetchall()
        resolved = {
            (p, m): (cp, cm)
            for p, m, cp, cm in con.execute(
                "select provider_raw, model_raw, provider, model "
                "from staging.stg_landing__models_resolved"
            ).fetchall()
        }
        end = last_day + dt.timedelta(days=1)
        params = {"tenant": tenant, "first": end - dt.timedelta(days=7), "end": end}
        mart_s, mart = _best_of(repeats, lambda: con.execute(MART_QUERY, params).fetchall())
        model_costs_s, _ = _best_of(
            repeats,
            lambda: con.execute(
                MODEL_COSTS_QUERY, {k: params[k] for k in ("first", "end")}
            ).fetchall(),
        )
        [(set_aside,)] = con.execute(
            "select count(*) from marts.quarantined_rows where source_table = 'instagram_feeds'"
        ).fetchall()
    server = pgserver.start()
    try:
        dsn = server.create_database("seed003")
        t = time.perf_counter()
        rows = copy_sqlite_to_postgres(instagram_db, "instagram_feed", dsn)["instagram_feeds"]
        with psycopg.connect(dsn, autocommit=True) as pg:
            for sql in SEED_INDEXES:
                pg.execute(sql)
            pg.execute("analyze")
        load_s = time.perf_counter() - t
        now = dt.datetime.combine(end, dt.time(), dt.UTC)
        with psycopg.connect(dsn) as pg:
            pg_s, app = _best_of(
                repeats, lambda: pg.execute(QUERY_6, {"tenant": tenant, "now": now}).fetchall()
            )
    finally:
        server.stop()

    per_model: dict[tuple, dict] = {}
    for model_name, provider, n, prompt, completion, _total, _i, _o, cost in app:
        key = resolved.get((provider, model_name), (provider, model_name))
        d = per_model.setdefault(key, dict.fromkeys(("app_n", "app_in", "app_out"), 0))
        d["app_n"] += int(n)
        d["app_in"] += int(prompt or 0)
        d["app_out"] += int(completion or 0)
        d["app_cost"] = d.get("app_cost", 0) + float(cost or 0)
    for provider, model, n, inp, out, cost in mart:
        d = per_model.setdefault((provider, model), {"app_n": 0, "app_in": 0, "app_out": 0})
        d.update(mart_n=int(n), mart_in=int(inp or 0), mart_out=int(out or 0))
        d["mart_cost"] = None if cost is None else float(cost)
    problems = [
        f"{k}: {d.get('app_n', 0)} requests on PostgreSQL, {d.get('mart_n', 0)} in the mart"
        for k, d in per_model.items()
        if d.get("app_n", 0) != d.get("mart_n", 0)
        and not (set_aside and d.get("app_n", 0) > d.get("mart_n", 0))
    ]
    problems += [
        f"{k}: mart has fewer input tokens ({d.get('mart_in')}) than the token column "
        f"({d['app_in']})"
        for k, d in per_model.items()
        if not set_aside and d.get("mart_in", 0) < d["app_in"]
    ]
    return {
        "tenant": tenant,
        "window": [params["first"].isoformat(), end.isoformat()],
        "instagram_feeds_rows": rows,
        "postgres_load_seconds": load_s,
        "postgres_query6_seconds": pg_s,
        "mart_daily_usage_seconds": mart_s,
        "mart_model_costs_seconds": model_costs_s,
        "ratio_postgres_over_mart": pg_s / mart_s,
        "models": [
            {"provider": k[0], "model": k[1], **d}
            for k, d in sorted(per_model.items(), key=lambda kv: str(kv[0]))
        ],
        "problems": problems,
    }
