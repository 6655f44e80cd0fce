"""instagram_feed (seed 003): Instagram ad copy by GPT (PostgreSQL in production).

UUID text keys, TIMESTAMPTZ text with an explicit offset ('+00:00' or '+09:00'), JSONB as
JSON text. ~10 % of rows have NULL token columns: half keep the counts in token_usage, half
only in gpt_response_raw.usage.

OpenAI responses carry OpenAI's usage details: ``prompt_tokens_details.cached_tokens`` (part
of prompt_tokens, ~half of the prompts of 1,024+ tokens hit the cache, in 128-token steps)
and ``completion_tokens_details.reasoning_tokens`` (part of completion_tokens; non-zero for
the reasoning model o4-mini only). Claude responses are in Anthropic's shape: ``input_tokens``
without the cache, ``cache_read_input_tokens`` and ``cache_creation_input_tokens`` (a
2,048-token cached system prefix added to the prompt, read from the cache for ~35 % of
Claude calls, written to it for ~45 %, half of those writes for 1 hour in
``cache_creation``), and ``service_tier``
``batch`` for ~10 % (Message Batches calls), drawn from a stream of their own; the app's
``prompt_tokens`` column holds the whole input, cache included. The app's own cost ignores
the cache and the batch discount. One model is a
fine-tuned gpt-4o-mini (``ft:...``, which genai-prices prices as such); one a dated Claude
snapshot (``claude-3-5-haiku-20241022``) that genai-prices matches to its moving alias
``claude-3-5-haiku-latest``; another, NAVER's HCX-003, is unknown to the price library: its
calls have tokens and a reported cost but no list price.

Some copies are planted for feed_outputs: restyled Korean copies (the same caption once
normalized), English ones (some in capitals) and Japanese ones, from a random stream of
their own; truth/feed_copies.parquet says per post its language and the caption it repeats.
"""

from __future__ import annotations

import os

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from . import _texts as tx
from ._util import (
    KST_OFFSET_US,
    US_PER_DAY,
    US_PER_S,
    DbWriter,
    Table,
    choice_idx,
    fmt_us,
    hex_strings,
    js,
    json_escape,
    lognormal_ms,
    pick,
    truth_chunk,
    uuid4s,
    with_nulls,
)

SYSTEM = "instagram_feed"
# demo/__init__.py: percent of calls_per_day; timezone written to sources.toml; rough
# relative cost per call (biggest generators start first)
SHARE, TIMEZONE, COST_WEIGHT = 15, "UTC", 2.5
FEED_COPIES_PART = ".feed-copies.parquet"  # beside the database; truth/feed_copies.parquet
FEED_COPIES_TRUTH = "feed_copies.parquet"
FEED_COPIES_COLUMNS = ("source_key", "tenant_id", "copy", "language", "caption_key")
TABLES = (
    Table(
        "llm_models",
        "CREATE TABLE llm_models (llm_model_id UUID PRIMARY KEY, model_name VARCHAR(255) NOT NULL, "
        "model_version VARCHAR(255), provider VARCHAR(255) NOT NULL, default_temperature FLOAT, "
        "default_max_tokens INTEGER, prompt_token_cost_per_1m FLOAT, "
        "completion_token_cost_per_1m FLOAT, description TEXT, is_active VARCHAR(10), "
        "pk INTEGER, created_at TIMESTAMPTZ, updated_at TIMESTAMPTZ)",
    ),
    Table(
        "jobs",
        "CREATE TABLE jobs (job_id UUID PRIMARY KEY, status VARCHAR(50), created_at TIMESTAMPTZ)",
    ),
    Table(
        "overlay_layouts",
        "CREATE TABLE overlay_layouts (overlay_id UUID PRIMARY KEY, job_id UUID, "
        "created_at TIMESTAMPTZ)",
    ),
    Table(
        "instagram_feeds",
        "CREATE TABLE instagram_feeds (instagram_feed_id UUID PRIMARY KEY, job_id UUID, "
        "overlay_id UUID, llm_model_id UUID, tenant_id VARCHAR(255) NOT NULL, "
        "refined_ad_copy_eng TEXT NOT NULL, tone_style TEXT NOT NULL, "
        "product_description TEXT NOT NULL, store_information TEXT NOT NULL, "
        "gpt_prompt TEXT NOT NULL, instagram_ad_copy TEXT NOT NULL, hashtags TEXT NOT NULL, "
        "used_temperature FLOAT, used_max_tokens INTEGER, gpt_prompt_used TEXT, "
        "gpt_response_raw JSONB, latency_ms FLOAT, prompt_tokens INTEGER, "
        "completion_tokens INTEGER, total_tokens INTEGER, token_usage JSONB, pk INTEGER, "
        "created_at TIMESTAMPTZ, updated_at TIMESTAMPTZ)",
        (
            "CREATE INDEX idx_instagram_feeds_job_id ON instagram_feeds(job_id)",
            "CREATE INDEX idx_instagram_feeds_tenant_id ON instagram_feeds(tenant_id)",
            "CREATE INDEX idx_instagram_feeds_created_at ON instagram_feeds(created_at)",
        ),
    ),
)

# name, version, provider, share, $/1M in, $/1M out, median latency ms, response model string
FT_MODEL = "ft:gpt-4o-mini-2024-07-18:acme-ig::B7xKp2Qd"
MODELS = [
    ("gpt-4o-mini", "2024-07-18", "openai", 0.46, 0.15, 0.60, 900.0, "gpt-4o-mini-2024-07-18"),
    ("gpt-4o", "2024-08-06", "openai", 0.20, 2.50, 10.00, 1800.0, "gpt-4o-2024-08-06"),
    (
        "claude-3-5-sonnet-20241022",
        None,
        "anthropic",
        0.07,
        3.00,
        15.00,
        2200.0,
        "claude-3-5-sonnet-20241022",
    ),
    # a dated snapshot that genai-prices matches to its moving alias claude-3-5-haiku-latest
    (
        "claude-3-5-haiku-20241022",
        None,
        "anthropic",
        0.05,
        0.80,
        4.00,
        1200.0,
        "claude-3-5-haiku-20241022",
    ),
    ("o4-mini", "2025-04-16", "openai", 0.10, 1.10, 4.40, 4500.0, "o4-mini-2025-04-16"),
    # fine-tuned gpt-4o-mini: OpenAI bills its inference at twice the base model's price
    (FT_MODEL, None, "openai", 0.07, 0.30, 1.20, 950.0, FT_MODEL),
    # NAVER HyperCLOVA X for Korean copy: unknown to the price library, so unpriced
    ("HCX-003", None, "naver", 0.05, 3.50, 3.50, 1600.0, "HCX-003"),
]
# responses in OpenAI's shape with usage details (prompt/completion_tokens_details)
HAS_DETAILS = np.array([m[2] == "openai" for m in MODELS])
# responses in Anthropic's shape (usage with cache reads, cache writes and service tier)
IS_ANTHROPIC = np.array([m[2] == "anthropic" for m in MODELS])
# tokens of the system prefix Claude calls read from or write to the cache (2,048: the
# smallest prompt Claude 3.5 Haiku caches)
CACHE_PREFIX = 2048
IS_REASONING = np.array([m[0] == "o4-mini" for m in MODELS])
PRICE_IN = np.array([m[4] for m in MODELS])
PRICE_OUT = np.array([m[5] for m in MODELS])
N_HASHTAG_SETS = 256


def _ts(us: np.ndarray, kst: np.ndarray) -> list[str]:
    """TIMESTAMPTZ text: the instant in UTC ('+00:00') or in KST ('+09:00')."""
    body = fmt_us(us + np.where(kst, KST_OFFSET_US, 0))
    return [b + ("+09:00" if k else "+00:00") for b, k in zip(body, kst.tolist(), strict=True)]


class Generator:
    def __init__(self, writer: DbWriter, rng: np.random.Generator, start_us: int, **_: object):
        self.w, self.rng, self.start_us = writer, rng, start_us
        self.model_ids = uuid4s(rng, len(MODELS))
        self.pk = 1
        # hashtag strings: 3-8 distinct tags each
        sets = []
        for _i in range(N_HASHTAG_SETS):
            k = int(rng.integers(3, 9))
            sets.append(" ".join(tx.IG_TAGS[j] for j in rng.permutation(len(tx.IG_TAGS))[:k]))
        self.hashtags = sets
        self.hashtags_esc = [json_escape(js(s)) for s in sets]
        # ad copy per (copy template, product): Korean (copy_i), then what is planted for
        # feed_outputs (copy length, language, captions repeated across a tenant): each
        # Korean copy restyled (spacing, emphasis, an emoji: the same normalized text), and
        # copies in English and Japanese. COPY_KINDS says which list a post's copy is from.
        n_prod = len(tx.IG_PRODUCTS)
        ko = [c.format(p=p[0]) for c in tx.IG_COPIES for p in tx.IG_PRODUCTS]
        restyled = [" ".join(c.split()).replace(" ", "  ") + "!! 🎉" for c in ko]
        en = [c.format(p=p[1].split(",")[0].lower()) for c in tx.IG_COPIES_EN
              for p in tx.IG_PRODUCTS]  # fmt: skip
        en_loud = [c.upper() for c in en]
        ja = [c.format(p=p[0]) for c in tx.IG_COPIES_JA for p in tx.IG_PRODUCTS]
        self.copies = ko + restyled + en + en_loud + ja
        # per copy: the language written and the caption it repeats (same normalized text)
        self.copy_language = ["ko"] * (2 * len(ko)) + ["en"] * (2 * len(en)) + ["ja"] * len(ja)
        self.copy_caption = (
            [f"ko:{i}" for i in range(len(ko))] * 2
            + [f"en:{i}" for i in range(len(en))] * 2
            + [f"ja:{i}" for i in range(len(ja))]
        )
        self.copy_offset = {
            "ko": 0, "restyled": len(ko), "en": 2 * len(ko), "en_loud": 2 * len(ko) + len(en),
            "ja": 2 * len(ko) + 2 * len(en),
        }  # fmt: skip
        self.copy_counts = {"ko": len(ko), "en": len(en), "ja": len(ja)}
        self.n_prod = n_prod
        self.copies_esc = [json_escape(js(s)) for s in self.copies]
        # a stream of its own, so planting leaves every other value of the demo as it was
        self.copy_rng = np.random.default_rng(rng.bit_generator.spawn(1)[0])
        # and one for Claude's cache reads and writes and batch calls
        self.claude_rng = np.random.default_rng(rng.bit_generator.spawn(1)[0])
        self.copy_truth: list[pa.Table] = []

    def setup(self) -> None:
        n = len(MODELS)
        c = np.full(n, self.start_us - 90 * US_PER_DAY)
        kst = np.zeros(n, dtype=bool)
        self.w.insert(
            "llm_models",
            [
                self.model_ids,
                [m[0] for m in MODELS],
                [m[1] for m in MODELS],
                [m[2] for m in MODELS],
                [0.7, 0.7, 0.8, 0.8, 1.0, 0.7, 0.7][:n],
                [1024] * n,
                [m[4] for m in MODELS],
                [m[5] for m in MODELS],
                [f"{m[0]} for Instagram copy" for m in MODELS],
                ["true"] * n,
                list(range(1, n + 1)),
                _ts(c, kst),
                _ts(c, kst),
            ],
        )

    def day(self, day_start_us: int, n: int) -> pa.Table:
        rng = self.rng
        t = np.sort(day_start_us + rng.integers(0, US_PER_DAY - 60 * US_PER_S, n))
        kst = rng.random(n) < 0.30
        ids = uuid4s(rng, n)
        model = choice_idx(rng, n, [m[3] for m in MODELS])
        tenant = rng.integers(0, len(tx.TENANTS), n)
        prod = rng.integers(0, len(tx.IG_PRODUCTS), n)
        tmpl = rng.integers(0, len(tx.IG_COPIES), n)
        copy_i = tmpl * len(tx.IG_PRODUCTS) + prod
        copy_i = self._plant_copies(copy_i, prod)
        tags_i = rng.integers(0, N_HASHTAG_SETS, n)
        tone = rng.integers(0, len(tx.IG_TONES), n)
        store = tenant  # one store per tenant
        p_tok = rng.integers(350, 1400, n)
        c_tok = rng.integers(80, 600, n)
        # OpenAI usage details: o4-mini's reasoning tokens are part of completion_tokens;
        # cached prompt tokens (prompts of 1,024+ tokens, 128-token steps) of prompt_tokens
        details = HAS_DETAILS[model]
        reasoning = np.where(IS_REASONING[model], 64 * rng.integers(2, 20, n), 0)
        c_tok = c_tok + reasoning
        cache_hit = details & (p_tok >= 1024) & (rng.random(n) < 0.5)
        steps = rng.integers(0, 1 << 20, n) % (np.maximum(p_tok - 1024, 0) // 128 + 1)
        cached = np.where(cache_hit, 1024 + 128 * steps, 0)
        # Claude (Anthropic's usage): a cached prefix read or written, writes for 5 minutes
        # or 1 hour, some calls through the batch API
        claude = IS_ANTHROPIC[model]
        u = self.claude_rng.random((3, n))
        read = np.where(claude & (u[0] < 0.35), CACHE_PREFIX, 0)
        written = np.where(claude & (u[0] >= 0.35) & (u[0] < 0.8), CACHE_PREFIX, 0)
        written_1h = np.where(u[1] < 0.5, written, 0)
        batch = claude & (u[2] < 0.1)
        cached = np.where(claude, read, cached)
        p_tok = p_tok + read + written  # the prefix is part of the prompt
        tot = p_tok + c_tok
        lat = np.clip(lognormal_ms(rng, np.array([m[6] for m in MODELS])[model], 0.5, n), 800, 9000)
        lat = np.round(lat + rng.random(n), 3)
        cost = p_tok * PRICE_IN[model] / 1e6 + c_tok * PRICE_OUT[model] / 1e6

        # jobs: ~80 % of feeds belong to a pipeline job; 1-3 consecutive feeds share a job
        in_job = rng.random(n) < 0.80
        ji = np.flatnonzero(in_job)
        sizes = rng.integers(1, 4, size=len(ji) + 1)
        grp = np.repeat(np.arange(len(sizes)), sizes)[: len(ji)]
        nj = int(grp[-1]) + 1 if len(ji) else 0
        job_ids = uuid4s(rng, nj)
        job_first = np.full(nj, np.iinfo(np.int64).max)
        np.minimum.at(job_first, grp, t[ji])
        job_created = job_first - rng.integers(1 * US_PER_S, 30 * US_PER_S, nj)
        job_kst = rng.random(nj) < 0.30
        self.w.insert(
            "jobs",
            [
                job_ids,
                pick(["completed", "completed", "completed", "failed"], rng.integers(0, 4, nj)),
                _ts(job_created, job_kst),
            ],
        )
        feed_job = np.full(n, None, dtype=object)
        feed_job[ji] = np.array(job_ids, dtype=object)[grp] if nj else []
        feed_job_l = feed_job.tolist()

        has_ov = rng.random(n) < 0.5
        oi = np.flatnonzero(has_ov)
        ov_ids = uuid4s(rng, len(oi))
        self.w.insert(
            "overlay_layouts",
            [
                ov_ids,
                [feed_job_l[i] for i in oi.tolist()],
                _ts(t[oi] - rng.integers(500_000, 10 * US_PER_S, len(oi)), kst[oi]),
            ],
        )
        feed_ov = np.full(n, None, dtype=object)
        if len(oi):
            feed_ov[oi] = np.array(ov_ids, dtype=object)

        # token quirk
        q = rng.random(n)
        cols_null = q < 0.10
        usage_null = q < 0.05  # half of the NULL-column rows lose token_usage as well
        usage = [
            None
            if u
            else f'{{"prompt_tokens": {a}, "completion_tokens": {b}, "total_tokens": {c}}}'
            for a, b, c, u in zip(
                p_tok.tolist(), c_tok.tolist(), tot.tolist(), usage_null.tolist(), strict=True
            )
        ]
        created_s = (t // US_PER_S + (lat // 1000).astype(np.int64) + 1 - 0).tolist()
        chat_ids = hex_strings(rng, n, 29, prefix="chatcmpl-")
        resp_model = [m[7] for m in MODELS]
        usage_details = [
            f', "prompt_tokens_details": {{"cached_tokens": {ca}, "audio_tokens": 0}}, '
            f'"completion_tokens_details": {{"reasoning_tokens": {re}, "audio_tokens": 0, '
            '"accepted_prediction_tokens": 0, "rejected_prediction_tokens": 0}'
            if d
            else ""
            for d, ca, re in zip(details.tolist(), cached.tolist(), reasoning.tolist(), strict=True)
        ]
        raw_openai = [
            f'{{"id": "{cid}", "object": "chat.completion", "created": {cr}, '
            f'"model": "{resp_model[mo]}", "choices": [{{"index": 0, "message": '
            f'{{"role": "assistant", "content": "{{\\"instagram_ad_copy\\": {self.copies_esc[ci]}'
            f', \\"hashtags\\": {self.hashtags_esc[hi]}}}"}}, "finish_reason": "stop"}}], '
            f'"usage": {{"prompt_tokens": {a}, "completion_tokens": {b}, "total_tokens": {c}'
            f'{ud}}}}}'
            for cid, cr, mo, ci, hi, a, b, c, ud in zip(
                chat_ids, created_s, model.tolist(), copy_i.tolist(), tags_i.tolist(),
                p_tok.tolist(), c_tok.tolist(), tot.tolist(), usage_details, strict=True,
            )
        ]  # fmt: skip
        raw = [
            (
                f'{{"id": "msg_{cid[9:]}", "type": "message", "role": "assistant", '
                f'"model": "{resp_model[mo]}", "content": [{{"type": "text", "text": '
                f'"{{\\"instagram_ad_copy\\": {self.copies_esc[ci]}, '
                f'\\"hashtags\\": {self.hashtags_esc[hi]}}}"}}], "stop_reason": "end_turn", '
                f'"usage": {{"input_tokens": {a - r - w}, "cache_creation_input_tokens": {w}, '
                f'"cache_read_input_tokens": {r}, "cache_creation": {{"ephemeral_5m_input_tokens": '
                f'{w - w1}, "ephemeral_1h_input_tokens": {w1}}}, "output_tokens": {b}, '
                f'"service_tier": "{"batch" if bt else "standard"}"}}}}'
            ) if cl else oa
            for oa, cl, cid, mo, ci, hi, a, b, r, w, w1, bt in zip(
                raw_openai, claude.tolist(), chat_ids, model.tolist(), copy_i.tolist(),
                tags_i.tolist(), p_tok.tolist(), c_tok.tolist(), read.tolist(),
                written.tolist(), written_1h.tolist(), batch.tolist(), strict=True,
            )
        ]  # fmt: skip
        prompts = [
            f"제품: {tx.IG_PRODUCTS[p][0]}\n톤: {tx.IG_TONES[o]}\n매장: {tx.IG_STORES[s]}\n"
            "인스타그램 피드 글과 해시태그를 JSON으로 작성해줘."
            for p, o, s in zip(prod.tolist(), tone.tolist(), store.tolist(), strict=True)
        ]
        pks = np.arange(self.pk, self.pk + n)
        self.pk += n
        updated = t + (lat * 1000).astype(np.int64) + rng.integers(1000, 200_000, n)
        self.w.insert(
            "instagram_feeds",
            [
                ids,
                feed_job_l,
                feed_ov.tolist(),
                pick(self.model_ids, model),
                pick(tx.TENANTS, tenant),
                pick([p[1] for p in tx.IG_PRODUCTS], prod),
                pick(tx.IG_TONES, tone),
                pick([p[0] for p in tx.IG_PRODUCTS], prod),
                pick(tx.IG_STORES, store),
                ["매장 정보와 제품 설명을 바탕으로 인스타그램 피드 글을 작성하세요."] * n,
                pick(self.copies, copy_i),
                pick(self.hashtags, tags_i),
                pick([0.7, 0.8, 0.9], rng.integers(0, 3, n)),
                [1024] * n,
                prompts,
                raw,
                lat.tolist(),
                with_nulls(p_tok, cols_null),
                with_nulls(c_tok, cols_null),
                with_nulls(tot, cols_null),
                usage,
                pks.tolist(),
                _ts(t, kst),
                _ts(updated, kst),
            ],
        )
        self.copy_truth.append(
            pa.table({
                "source_key": ids,
                "tenant_id": pick(tx.TENANTS, tenant),
                "copy": pick(self.copies, copy_i),
                "language": pick(self.copy_language, copy_i),
                "caption_key": pick(self.copy_caption, copy_i),
            })
        )  # fmt: skip
        return truth_chunk(
            SYSTEM,
            "instagram_feeds",
            source_key=ids,
            started_at_us=t,
            status_error=np.zeros(n, dtype=bool),
            session_key=feed_job_l,
            tenant_id=pick(tx.TENANTS, tenant),
            provider=pick([m[2] for m in MODELS], model),
            model_raw=pick([m[0] for m in MODELS], model),
            input_tokens=p_tok,
            output_tokens=c_tok,
            cache_read_tokens=cached,
            reasoning_tokens=reasoning,
            token_details_null=~details,
            cache_read_null=~(details | claude),
            cache_creation_tokens=written,
            cache_write_1h_tokens=written_1h,
            cache_write_null=~claude,
            is_batch=batch,
            latency_ms=lat,
            reported_cost_usd=cost,
        )

    def _plant_copies(self, copy_i: np.ndarray, prod: np.ndarray) -> np.ndarray:
        """Swap some posts' Korean copy for a restyled one (6 %), an English one (6 %: half
        of them in capitals) or a Japanese one (3 %)."""
        r = self.copy_rng.random(len(copy_i))
        pick_t = self.copy_rng.integers(0, 1 << 30, len(copy_i))
        off, cnt = self.copy_offset, self.copy_counts
        out = copy_i.copy()
        restyle = r < 0.06
        out[restyle] = off["restyled"] + copy_i[restyle]
        for lo, hi, kind, lang in ((0.06, 0.09, "en", "en"), (0.09, 0.12, "en_loud", "en"),
                                   (0.12, 0.15, "ja", "ja")):  # fmt: skip
            sel = (r >= lo) & (r < hi)
            tmpl = pick_t[sel] % (cnt[lang] // self.n_prod)
            out[sel] = off[kind] + tmpl * self.n_prod + prod[sel]
        return out

    def finish(self) -> None:
        """The copy truth beside the database: truth/feed_copies.parquet once moved."""
        table = (
            pa.concat_tables(self.copy_truth)
            if self.copy_truth
            else pa.table({k: pa.array([], pa.string()) for k in FEED_COPIES_COLUMNS})
        )
        pq.write_table(table, os.path.join(os.path.dirname(self.w.path), FEED_COPIES_PART))
