"""text2sql (seed 002): Text-to-SQL chat app (SQLite, Alembic 8e2fbd009a9c).

One LLM call = one query_analytics row; its chat session is found through the assistant
chat_message whose query_id is the call's query_id (~5 % of calls have no messages).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from . import _texts as tx
from ._util import (
    US_PER_DAY,
    US_PER_S,
    DbWriter,
    Table,
    choice_idx,
    fmt_us,
    grouped_times,
    hex_strings,
    js,
    lognormal_ms,
    pick,
    truth_chunk,
    uuid4s,
    with_nulls,
)

SYSTEM = "text2sql"
# demo/__init__.py: percent of calls_per_day; timezone written to sources.toml; rough
# relative cost per call (biggest generators start first)
SHARE, TIMEZONE, COST_WEIGHT = 25, "UTC", 3.0
ALEMBIC_REVISION = "8e2fbd009a9c"


def _t(name: str, cols: str, *indexes: str) -> Table:
    return Table(name, f"CREATE TABLE {name} ({cols})", tuple(indexes))


TABLES = (
    _t(
        "users",
        "id VARCHAR(36) NOT NULL PRIMARY KEY, email VARCHAR(255) NOT NULL UNIQUE, "
        "password_hash VARCHAR(255) NOT NULL, full_name VARCHAR(100) NOT NULL, "
        "company VARCHAR(100), role VARCHAR(20) NOT NULL, is_active BOOLEAN NOT NULL, "
        "created_at DATETIME NOT NULL, updated_at DATETIME, last_login DATETIME, "
        "token_usage INTEGER NOT NULL, preferences JSON",
    ),
    _t(
        "refresh_tokens",
        "id VARCHAR(36) NOT NULL PRIMARY KEY, user_id VARCHAR(36) NOT NULL REFERENCES users(id), "
        "token_hash VARCHAR(255) NOT NULL UNIQUE, expires_at DATETIME NOT NULL, "
        "created_at DATETIME NOT NULL, revoked_at DATETIME, is_active BOOLEAN NOT NULL, "
        "is_revoked BOOLEAN NOT NULL, device_info JSON",
    ),
    _t(
        "api_keys",
        "id VARCHAR(36) NOT NULL PRIMARY KEY, user_id VARCHAR(36) NOT NULL REFERENCES users(id), "
        "key_name VARCHAR(100) NOT NULL, key_hash VARCHAR(255) NOT NULL UNIQUE, "
        "key_prefix VARCHAR(20) NOT NULL, permissions JSON, is_active BOOLEAN NOT NULL, "
        "created_at DATETIME NOT NULL, expires_at DATETIME, last_used DATETIME, "
        "usage_count INTEGER NOT NULL",
    ),
    _t(
        "chat_sessions",
        "id VARCHAR(36) NOT NULL PRIMARY KEY, user_id VARCHAR(36) NOT NULL REFERENCES users(id), "
        "title VARCHAR(255), is_active BOOLEAN NOT NULL, created_at DATETIME NOT NULL, "
        "updated_at DATETIME, last_message_at DATETIME, message_count INTEGER NOT NULL",
        "CREATE INDEX ix_chat_sessions_user_id ON chat_sessions (user_id)",
    ),
    _t(
        "chat_messages",
        "id VARCHAR(36) NOT NULL PRIMARY KEY, session_id VARCHAR(36) NOT NULL "
        "REFERENCES chat_sessions(id), message_type VARCHAR(20) NOT NULL, content TEXT NOT NULL, "
        "query_id VARCHAR(36), sql_query TEXT, query_result JSON, execution_time FLOAT, "
        "error_message TEXT, timestamp DATETIME NOT NULL, sequence_number INTEGER NOT NULL",
        "CREATE INDEX ix_chat_messages_session_id ON chat_messages (session_id)",
        "CREATE INDEX ix_chat_messages_query_id ON chat_messages (query_id)",
    ),
    _t(
        "user_sessions",
        "id VARCHAR(36) NOT NULL PRIMARY KEY, user_id VARCHAR(36) NOT NULL REFERENCES users(id), "
        "session_start DATETIME NOT NULL, session_end DATETIME, ip_address VARCHAR(45), "
        "user_agent TEXT, queries_count INTEGER NOT NULL, is_active BOOLEAN NOT NULL",
    ),
    _t(
        "query_analytics",
        "id VARCHAR(36) NOT NULL PRIMARY KEY, query_id VARCHAR(36) NOT NULL, "
        "user_id VARCHAR(36) NOT NULL REFERENCES users(id), question TEXT NOT NULL, "
        "sql_query TEXT NOT NULL, execution_time FLOAT NOT NULL, row_count INTEGER NOT NULL, "
        "success BOOLEAN NOT NULL, error_message TEXT, chart_type VARCHAR(50), "
        "prompt_tokens INTEGER, completion_tokens INTEGER, total_tokens INTEGER, "
        "llm_model VARCHAR(100), llm_cost_estimate FLOAT, timestamp DATETIME NOT NULL, "
        "created_at DATETIME NOT NULL",
        "CREATE INDEX ix_query_analytics_user_id ON query_analytics (user_id)",
        "CREATE INDEX ix_query_analytics_timestamp ON query_analytics (timestamp)",
    ),
    _t(
        "query_templates",
        "id VARCHAR(36) NOT NULL PRIMARY KEY, user_id VARCHAR(36) REFERENCES users(id), "
        "name VARCHAR(200) NOT NULL, description TEXT, question_template TEXT NOT NULL, "
        "sql_template TEXT NOT NULL, category VARCHAR(50), is_public BOOLEAN NOT NULL, "
        "is_verified BOOLEAN NOT NULL, usage_count INTEGER NOT NULL, "
        "created_at DATETIME NOT NULL, updated_at DATETIME",
    ),
    _t(
        "database_connections",
        "id VARCHAR(36) NOT NULL PRIMARY KEY, user_id VARCHAR(36) NOT NULL REFERENCES users(id), "
        "connection_name VARCHAR(100) NOT NULL, db_type VARCHAR(50) NOT NULL, "
        "db_host VARCHAR(255) NOT NULL, db_port INTEGER NOT NULL, db_user VARCHAR(100) NOT NULL, "
        "encrypted_db_password VARCHAR(512), db_name VARCHAR(100) NOT NULL, "
        "created_at DATETIME NOT NULL, updated_at DATETIME",
    ),
    _t(
        "database_schemas",
        "id VARCHAR(36) NOT NULL PRIMARY KEY, connection_id VARCHAR(36) NOT NULL "
        "REFERENCES database_connections(id), schema_hash VARCHAR(64) NOT NULL, "
        "raw_schema JSON NOT NULL, generated_documentation TEXT, table_count INTEGER, "
        "total_columns INTEGER, last_updated DATETIME NOT NULL, created_at DATETIME NOT NULL, "
        "is_active BOOLEAN NOT NULL, database_name VARCHAR(100), table_name VARCHAR(100), "
        "schema_info JSON, row_count INTEGER, table_size VARCHAR(50)",
    ),
    _t(
        "audit_logs",
        "id VARCHAR(36) NOT NULL PRIMARY KEY, user_id VARCHAR(36) REFERENCES users(id), "
        "action VARCHAR(100) NOT NULL, resource_type VARCHAR(50) NOT NULL, "
        "resource_id VARCHAR(36), old_values JSON, new_values JSON, ip_address VARCHAR(45), "
        "user_agent TEXT, timestamp DATETIME NOT NULL, success BOOLEAN NOT NULL, "
        "error_message TEXT",
    ),
    _t(
        "events",
        "id VARCHAR(36) NOT NULL PRIMARY KEY, event_type VARCHAR(50) NOT NULL, "
        "user_id VARCHAR(36) REFERENCES users(id), event_data JSON, timestamp DATETIME NOT NULL, "
        "ip_address VARCHAR(45), user_agent TEXT, session_id VARCHAR(36)",
    ),
    _t(
        "performance_metrics",
        "id VARCHAR(36) NOT NULL PRIMARY KEY, metric_name VARCHAR(100) NOT NULL, "
        "metric_value FLOAT NOT NULL, metric_unit VARCHAR(20), timestamp DATETIME NOT NULL, "
        "additional_data JSON",
    ),
    _t(
        "system_config",
        "id VARCHAR(36) NOT NULL PRIMARY KEY, config_key VARCHAR(100) NOT NULL UNIQUE, "
        "config_value JSON NOT NULL, description TEXT, is_sensitive BOOLEAN NOT NULL, "
        "created_at DATETIME NOT NULL, updated_at DATETIME, updated_by VARCHAR(36)",
    ),
    _t("alembic_version", "version_num VARCHAR(32) NOT NULL PRIMARY KEY"),
)

N_USERS = 50
# Quota bursts (marts.quota_breaches): on the first day (not the last: a longer run from
# the same start keeps its first days' calls), the first chat session is user
# BURST_USER's, at 13:00 UTC, whose calls send a whole schema (BURST_TOKENS prompt
# tokens between them): over the hour's, the day's and the month's limit at once.
BURST_USER = 0
BURST_START_S = 13 * 3600
BURST_TOKENS = 110_000
# The app's own counter (users.token_usage) of every COUNTER_DRIFT_EVERY-th user, from
# COUNTER_DRIFT_FIRST, leaves out the tokens of its failed calls: the log disagrees.
COUNTER_DRIFT_FIRST, COUNTER_DRIFT_EVERY = 3, 10
# Share of calls whose SQL is one of _texts.T2S_PLANTED_SQL.
PLANTED_SQL_SHARE = 0.04
# model, share, stale per-1K prices the app uses (input, output)
MODELS = [
    ("gpt-4o", 0.25, 0.0025, 0.01, 1800.0),
    ("gpt-4o-mini", 0.55, 0.00015, 0.0006, 900.0),
    ("gpt-3.5-turbo", 0.20, 0.0015, 0.002, 700.0),
]
PRICE_IN_1K = np.array([m[2] for m in MODELS])
PRICE_OUT_1K = np.array([m[3] for m in MODELS])
CHARTS = ["bar", "line", "pie", "table", None]
NAMES = [
    "김민준", "이서연", "박지훈", "최유진", "정하늘", "강도윤", "윤서아", "임준호",
    "Alice Kim", "Brian Park", "Chloe Lee", "Daniel Cho", "Emma Jung", "Felix Han",
]  # fmt: skip
COMPANIES = ["Acme Retail", "한빛상사", "Blue Ocean Logistics", "미래에셋데모", None]
USER_AGENTS = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/125.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 Version/17.5 Safari",
    "python-requests/2.32.3",
]


def _ips(rng: np.random.Generator, n: int) -> list[str]:
    a = rng.integers(0, 256, size=(n, 3))
    pub = rng.random(n) < 0.4
    return [
        f"203.0.113.{z}" if p else f"10.{x}.{y}.{z}"
        for (x, y, z), p in zip(a.tolist(), pub.tolist(), strict=True)
    ]


class Generator:
    def __init__(self, writer: DbWriter, rng: np.random.Generator, start_us: int, options, **_):
        self.w, self.rng, self.start_us = writer, rng, start_us
        self.end_us = start_us + options.days * US_PER_DAY
        self.user_ids = uuid4s(rng, N_USERS)
        self.user_w = rng.dirichlet(np.full(N_USERS, 0.8))
        self.tok = np.zeros((N_USERS, 2), dtype=np.int64)  # prompt, completion per user
        self.tok_failed = np.zeros(N_USERS, dtype=np.int64)  # tokens of failed calls
        self.last_call = np.full(N_USERS, -1, dtype=np.int64)

    def _in_window(self, n: int) -> np.ndarray:
        return self.rng.integers(self.start_us, self.end_us, size=n)

    def setup(self) -> None:
        self.w.insert("alembic_version", [[ALEMBIC_REVISION]])

    def day(self, day_start_us: int, n: int) -> pa.Table:
        rng = self.rng
        burst = day_start_us == self.start_us
        forced = (BURST_START_S * US_PER_S,) if burst else ()
        t, sess, _, sizes = grouped_times(rng, day_start_us, n, 1, 6, 20, 600, 3600, forced)
        ns = len(sizes)
        s_user = rng.choice(N_USERS, size=ns, p=self.user_w)
        if burst and ns:
            s_user[0] = BURST_USER
        user = s_user[sess]
        qa_ids = uuid4s(rng, n)
        query_ids = uuid4s(rng, n)
        model = choice_idx(rng, n, [m[1] for m in MODELS])
        p_tok = rng.integers(200, 2001, n)
        c_tok = rng.integers(30, 401, n)
        if burst and ns:
            p_tok[sess == 0] = -(-BURST_TOKENS // int(sizes[0]))
        cost = (p_tok / 1000.0) * PRICE_IN_1K[model] + (c_tok / 1000.0) * PRICE_OUT_1K[model]
        fail = rng.random(n) < 0.06
        q = rng.integers(0, len(tx.T2S_QUESTIONS), n)
        planted = rng.random(n) < PLANTED_SQL_SHARE
        which = rng.integers(0, len(tx.T2S_PLANTED_SQL), n)
        fail |= planted & np.array([f for _, f in tx.T2S_PLANTED_SQL])[which]
        exec_s = np.round(
            np.where(fail, rng.uniform(0.001, 0.02, n), lognormal_ms(rng, 0.05, 0.9, n)), 6
        )
        rows = np.where(fail, 0, rng.integers(1, 500, n))
        llm_ms = np.clip(
            lognormal_ms(rng, np.array([m[4] for m in MODELS])[model], 0.5, n), 150, 15_000
        )
        done = t + (llm_ms * 1000).astype(np.int64) + (exec_s * US_PER_S).astype(np.int64)
        err = with_nulls(pick(tx.T2S_ERRORS, rng.integers(0, len(tx.T2S_ERRORS), n)), ~fail)
        sql = [
            tx.T2S_PLANTED_SQL[w][0] if p else tx.T2S_SQL[i]
            for i, p, w in zip(q.tolist(), planted.tolist(), which.tolist(), strict=True)
        ]
        self.w.insert(
            "query_analytics",
            [
                qa_ids,
                query_ids,
                pick(self.user_ids, user),
                pick(tx.T2S_QUESTIONS, q),
                sql,
                exec_s.tolist(),
                rows.tolist(),
                (~fail).astype(np.int64).tolist(),
                err,
                with_nulls(pick(CHARTS, rng.integers(0, len(CHARTS), n)), fail),
                p_tok.tolist(),
                c_tok.tolist(),
                (p_tok + c_tok).tolist(),
                pick([m[0] for m in MODELS], model),
                cost.tolist(),
                fmt_us(t),
                fmt_us(done),
            ],
        )
        np.add.at(self.tok, user, np.stack([p_tok, c_tok], axis=1))
        np.add.at(self.tok_failed, user[fail], (p_tok + c_tok)[fail])
        np.maximum.at(self.last_call, user, done)

        # chat sessions and messages
        s_ids = uuid4s(rng, ns)
        has_msg = rng.random(n) >= 0.05
        hm = has_msg.astype(np.int64)
        first = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
        rank = np.cumsum(hm) - hm
        rank -= rank[first][sess]
        msg_count = np.bincount(sess, weights=hm, minlength=ns).astype(np.int64) * 2
        last_msg = np.full(ns, -1, dtype=np.int64)
        np.maximum.at(last_msg, sess[has_msg], done[has_msg])
        s_created = t[first] - rng.integers(1 * US_PER_S, 30 * US_PER_S, ns)
        s_updated = np.where(last_msg >= 0, last_msg, s_created)
        self.w.insert(
            "chat_sessions",
            [
                s_ids,
                pick(self.user_ids, s_user),
                pick(tx.T2S_SESSION_TITLES, rng.integers(0, len(tx.T2S_SESSION_TITLES), ns)),
                (rng.random(ns) < 0.3).astype(np.int64).tolist(),
                fmt_us(s_created),
                fmt_us(s_updated),
                with_nulls(fmt_us(s_updated), last_msg < 0),
                msg_count.tolist(),
            ],
        )
        mi = np.flatnonzero(has_msg)
        m = len(mi)
        u_ids = uuid4s(rng, m)
        a_ids = uuid4s(rng, m)
        q_list = pick(tx.T2S_QUESTIONS, q[mi])
        answers = [
            tx.T2S_ANSWERS[tx.T2S_QUESTION_LANG[i]].format(n=r)
            if not f
            else f"SQL 실행 중 오류가 발생했습니다: {e}"
            for i, r, f, e in zip(
                q[mi].tolist(),
                rows[mi].tolist(),
                fail[mi].tolist(),
                [err[i] for i in mi.tolist()],
                strict=True,
            )
        ]
        results = [
            None if f else f'{{"columns": ["value"], "row_count": {r}, "truncated": {tr}}}'
            for r, f, tr in zip(
                rows[mi].tolist(),
                fail[mi].tolist(),
                np.where(rows[mi] > 100, "true", "false").tolist(),
                strict=True,
            )
        ]
        sess_of = pick(s_ids, sess[mi])
        user_ts = t[mi] - rng.integers(50_000, 500_000, m)
        # interleave: user message then assistant message for each call
        ids = [x for pair in zip(u_ids, a_ids, strict=True) for x in pair]
        none2 = [None] * (2 * m)

        def inter(a: list, b: list) -> list:
            return [x for pair in zip(a, b, strict=True) for x in pair]

        self.w.insert(
            "chat_messages",
            [
                ids,
                inter(sess_of, sess_of),
                ["user", "assistant"] * m,
                inter(q_list, answers),
                inter([None] * m, [query_ids[i] for i in mi.tolist()]),
                inter([None] * m, [sql[i] for i in mi.tolist()]),
                inter([None] * m, results),
                inter([None] * m, exec_s[mi].tolist()),
                inter([None] * m, [err[i] for i in mi.tolist()]),
                inter(fmt_us(user_ts), fmt_us(done[mi])),
                inter((2 * rank[mi] + 1).tolist(), (2 * rank[mi] + 2).tolist()),
            ]
            if m
            else [none2] * 11,
        )
        sess_key = with_nulls(pick(s_ids, sess), ~has_msg)
        return truth_chunk(
            SYSTEM,
            "query_analytics",
            source_key=qa_ids,
            started_at_us=t,
            status_error=fail,
            user_key=pick(self.user_ids, user),
            session_key=sess_key,
            provider="openai",
            model_raw=pick([m[0] for m in MODELS], model),
            input_tokens=p_tok,
            output_tokens=c_tok,
            error_message=err,
            reported_cost_usd=cost,
        )

    # ------------------------------------------------------------------ small tables
    def finish(self) -> None:
        rng, w, uids = self.rng, self.w, self.user_ids
        n = N_USERS
        created = self.start_us - rng.integers(10, 400, n) * US_PER_DAY
        names = pick(NAMES, rng.integers(0, len(NAMES), n))
        comp = pick(COMPANIES, rng.integers(0, len(COMPANIES), n))
        total = self.tok.sum(axis=1)
        drift = np.arange(n) % COUNTER_DRIFT_EVERY == COUNTER_DRIFT_FIRST
        counter = np.where(drift, total - self.tok_failed, total)
        last = np.where(self.last_call >= 0, self.last_call, created)
        prefs = [
            js(
                {
                    "theme": "dark" if i % 3 == 0 else "light",
                    "language": "ko" if i % 2 == 0 else "en",
                    "token_usage": {
                        "total_tokens": int(total[i]),
                        "prompt_tokens": int(self.tok[i, 0]),
                        "completion_tokens": int(self.tok[i, 1]),
                        "last_updated": s.replace(" ", "T")[:19] + "Z",
                    },
                }
            )
            for i, s in enumerate(fmt_us(last))
        ]
        w.insert(
            "users",
            [
                uids,
                [f"user{i:02d}@demo-{'corp' if i % 2 else 'biz'}.example.com" for i in range(n)],
                hex_strings(rng, n, 53, prefix="$2b$12$"),
                names,
                comp,
                ["admin" if i < 3 else "viewer" for i in range(n)],
                (rng.random(n) < 0.95).astype(np.int64).tolist(),
                fmt_us(created),
                fmt_us(last),
                fmt_us(last),
                counter.tolist(),
                prefs,
            ],
        )

        def u(k: int) -> list:
            return pick(uids, rng.integers(0, n, size=k))

        k = 80
        c = self._in_window(k)
        revoked = rng.random(k) < 0.2
        w.insert(
            "refresh_tokens",
            [
                uuid4s(rng, k),
                u(k),
                hex_strings(rng, k, 64),
                fmt_us(c + 7 * US_PER_DAY),
                fmt_us(c),
                with_nulls(fmt_us(c + rng.integers(1, 7 * US_PER_DAY, k)), ~revoked),
                (~revoked).astype(np.int64).tolist(),
                revoked.astype(np.int64).tolist(),
                [
                    js({"user_agent": a, "ip": ip})
                    for a, ip in zip(
                        pick(USER_AGENTS, rng.integers(0, 3, k)), _ips(rng, k), strict=True
                    )
                ],
            ],
        )
        k = 20
        c = self.start_us - rng.integers(1, 200, k) * US_PER_DAY
        prefixes = hex_strings(rng, k, 8, prefix="t2s_")
        w.insert(
            "api_keys",
            [
                uuid4s(rng, k),
                u(k),
                pick(["ci-pipeline", "dashboard", "notebook", "slack-bot"], rng.integers(0, 4, k)),
                hex_strings(rng, k, 64),
                prefixes,
                pick(
                    [js(["query:read"]), js(["query:read", "query:write"]), js(["admin"])],
                    rng.integers(0, 3, k),
                ),
                (rng.random(k) < 0.85).astype(np.int64).tolist(),
                fmt_us(c),
                with_nulls(fmt_us(c + 365 * US_PER_DAY), rng.random(k) < 0.5),
                fmt_us(self._in_window(k)),
                rng.integers(0, 5000, k).tolist(),
            ],
        )
        k = 200
        s = self._in_window(k)
        ended = rng.random(k) < 0.9
        w.insert(
            "user_sessions",
            [
                uuid4s(rng, k),
                u(k),
                fmt_us(s),
                with_nulls(fmt_us(s + rng.integers(60, 4 * 3600, k) * US_PER_S), ~ended),
                _ips(rng, k),
                pick(USER_AGENTS, rng.integers(0, 3, k)),
                rng.integers(0, 40, k).tolist(),
                (~ended).astype(np.int64).tolist(),
            ],
        )
        k = len(tx.T2S_QUESTIONS)
        c = self.start_us - rng.integers(1, 100, k) * US_PER_DAY
        public = rng.random(k) < 0.5
        w.insert(
            "query_templates",
            [
                uuid4s(rng, k),
                with_nulls(u(k), public),
                [f"template: {qq[:30]}" for qq in tx.T2S_QUESTIONS],
                ["Reusable question template" for _ in range(k)],
                tx.T2S_QUESTIONS,
                tx.T2S_SQL,
                pick(["sales", "members", "ops"], rng.integers(0, 3, k)),
                public.astype(np.int64).tolist(),
                (rng.random(k) < 0.3).astype(np.int64).tolist(),
                rng.integers(0, 300, k).tolist(),
                fmt_us(c),
                fmt_us(c + rng.integers(0, 30, k) * US_PER_DAY),
            ],
        )
        k = 10
        conn_ids = uuid4s(rng, k)
        c = self.start_us - rng.integers(1, 100, k) * US_PER_DAY
        dbt = rng.integers(0, 3, k)
        w.insert(
            "database_connections",
            [
                conn_ids,
                u(k),
                [f"conn-{i}" for i in range(k)],
                pick(["postgresql", "mysql", "sqlserver"], dbt),
                [f"db{i}.internal.example.com" for i in range(k)],
                pick([5432, 3306, 1433], dbt),
                pick(["readonly", "analyst", "report_user"], rng.integers(0, 3, k)),
                hex_strings(rng, k, 88, prefix="gAAAAA"),
                pick(["sales", "crm", "erp", "warehouse"], rng.integers(0, 4, k)),
                fmt_us(c),
                fmt_us(c + US_PER_DAY),
            ],
        )
        k = 20
        c = self._in_window(k)
        w.insert(
            "database_schemas",
            [
                uuid4s(rng, k),
                pick(conn_ids, rng.integers(0, len(conn_ids), k)),
                hex_strings(rng, k, 64),
                [
                    js(
                        {
                            "tables": {
                                "orders": ["id", "amount", "ordered_at"],
                                "products": ["id", "name", "stock"],
                            }
                        }
                    )
                ]
                * k,
                ["orders: 주문 내역. products: 상품 마스터." for _ in range(k)],
                rng.integers(2, 40, k).tolist(),
                rng.integers(10, 400, k).tolist(),
                fmt_us(c),
                fmt_us(c),
                np.ones(k, dtype=np.int64).tolist(),
                [None] * k,
                [None] * k,
                [None] * k,
                [None] * k,
                [None] * k,
            ],
        )
        k = 150
        ok = rng.random(k) < 0.93
        w.insert(
            "audit_logs",
            [
                uuid4s(rng, k),
                u(k),
                pick(
                    ["login", "create_connection", "update_profile", "create_api_key", "export"],
                    rng.integers(0, 5, k),
                ),
                pick(["user", "database_connection", "api_key"], rng.integers(0, 3, k)),
                uuid4s(rng, k),
                [None] * k,
                [js({"status": "ok"})] * k,
                _ips(rng, k),
                pick(USER_AGENTS, rng.integers(0, 3, k)),
                fmt_us(self._in_window(k)),
                ok.astype(np.int64).tolist(),
                with_nulls(["permission denied"] * k, ok),
            ],
        )
        k = 300
        w.insert(
            "events",
            [
                uuid4s(rng, k),
                pick(
                    ["login", "query_executed", "export_csv", "chart_rendered"],
                    rng.integers(0, 4, k),
                ),
                u(k),
                [js({"source": "web"})] * k,
                fmt_us(self._in_window(k)),
                _ips(rng, k),
                pick(USER_AGENTS, rng.integers(0, 3, k)),
                uuid4s(rng, k),
            ],
        )
        k = 300
        mname = rng.integers(0, 3, k)
        w.insert(
            "performance_metrics",
            [
                uuid4s(rng, k),
                pick(["api_response_time", "db_query_time", "memory_usage"], mname),
                np.round(rng.uniform(1, 500, k), 3).tolist(),
                pick(["ms", "ms", "MB"], mname),
                fmt_us(self._in_window(k)),
                [None] * k,
            ],
        )
        cfg = [
            ("openai_api_key", js("sk-demo-" + hex_strings(rng, 1, 48)[0]), "OpenAI API key", 1),
            ("jwt_secret_key", js(hex_strings(rng, 1, 64)[0]), "JWT signing secret", 1),
            ("smtp_password", js(hex_strings(rng, 1, 24)[0]), "SMTP password", 1),
            ("default_model", js("gpt-4o-mini"), "Default LLM model", 0),
            ("max_tokens_per_day", js(10000), "Daily token limit per user", 0),
            ("max_tokens_per_month", js(100000), "Monthly token limit per user", 0),
            ("max_tokens_per_hour", js(1000), "Hourly token limit per user", 0),
            ("query_timeout_seconds", js(30), "SQL execution timeout", 0),
        ]
        k = len(cfg)
        c = self.start_us - rng.integers(30, 300, k) * US_PER_DAY
        w.insert(
            "system_config",
            [
                uuid4s(rng, k),
                [x[0] for x in cfg],
                [x[1] for x in cfg],
                [x[2] for x in cfg],
                [x[3] for x in cfg],
                fmt_us(c),
                fmt_us(c),
                [uids[0]] * k,
            ],
        )
