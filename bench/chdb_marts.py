"""The three report marts (`daily_usage`, `model_costs`, `latency_percentiles`) computed by
chDB (in-process ClickHouse) straight from the landed Parquet, to time our dbt build against
the engine Langfuse and Helicone run on, and to cross-check our numbers (issue #8).

    python -m bench.chdb_marts DATA_DIR OUT_DIR   # writes OUT_DIR/<mart>.parquet, prints JSON

It re-implements what the dbt models do between the landing zone and the marts, by their
documented rules, not by reading our SQL's output:

- newest load of each source key; within that load, a second row with the same key is set
  aside (`newest_load_rows` macro); the other set-aside rules of the staging models'
  `call_quarantine_rule` (missing key, a value unreadable as its kind, missing timestamp,
  before 2020, over a day in the future, negative or over 10M tokens, negative or over 24 h
  latency); a model name of only spaces is no model;
- naive source timestamps read in the row's `_source_timezone` (`to_utc`), days are UTC;
- status, user, session and tenant as the intermediate models define them;
- cost at the list price in force on the call's UTC date: overrides for the model, then for
  the provider (`*`), then the price library's seed; a list price's long-context tier when
  the call's input tokens are over its threshold (all tokens at the tier's prices); cached
  input tokens at the cache-read price, tokens written to the cache at the cache-write price
  (the input price when there is none), the part written for 1 hour at the 1-hour price (the
  cache-write price when there is none); a batch call (Anthropic's `service_tier` in
  instagram_feed's raw response) at the batch list price where one is in force; local
  models 0; no price or no tokens: NULL.

Two shortcuts, both inputs rather than logic under test: prices are read from the dbt seeds
(`dbt_project/seeds/model_prices.csv`, `model_price_tiers.csv`, `model_price_overrides.csv`),
and raw model strings are
mapped to the canonical provider and model, and the library entry whose list price applies
(`matched_model`), with the mapping the warehouse holds (`staging.stg_landing__models_resolved`,
genai-prices' own matching, passed in as a Parquet file).

The systems are those `ingest.systems.SYSTEMS` declares, with their call tables, keys and
which timestamps are naive; how each one's calls map to the common shape is written here by
hand (`MAPPINGS`). A declared system without a mapping is named (stderr) and left out of the
cross-check: of chDB's marts here, of DuckDB's by `bench/agreement.py`.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from ingest.systems import SYSTEMS, Kind
from warehouse.paths import DBT_DIR

SEEDS = DBT_DIR / "seeds"
MARTS = ("daily_usage", "model_costs", "latency_percentiles")
# otel_genai's span latency (end - start, µs)
_SPAN_US = "(toUnixTimestamp64Micro(end_time) - toUnixTimestamp64Micro(start_time))"
null_s, null_i = "CAST(NULL, 'Nullable(String)')", "CAST(NULL, 'Nullable(Int64)')"
null_f = "CAST(NULL, 'Nullable(Float64)')"


def _q(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def _lit(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _keys(system: str, table: str) -> tuple[str, ...]:
    """A table's key, as the system declares it (ingest.systems)."""
    return SYSTEMS[system].table(table).key


class _Landing:
    """Table functions over the landing zone, and per-row time zone conversion."""

    def __init__(self, sess, data_dir: Path) -> None:
        self.sess = sess
        self.root = data_dir / "landing"

    def file(self, system: str, table: str) -> str:
        return f"file({_lit(f'{self.root}/{system}/*/{table}/*.parquet')}, Parquet)"

    def columns(self, system: str, table: str) -> set[str]:
        described = self.sess.query(f"describe {self.file(system, table)}", "JSONCompact")
        return {row[0] for row in json.loads(described.bytes())["data"]}

    def to_utc(self, system: str, table: str, column: str) -> str:
        """A naive column read in each row's _source_timezone, as a UTC DateTime64(6).

        ClickHouse wants a constant zone, so one branch per zone the landed rows name."""
        zones = self.sess.query(
            f"select distinct _source_timezone from {self.file(system, table)} "
            "where _source_timezone is not null order by 1",
            "JSONCompact",
        )
        branches = []
        for [zone] in json.loads(zones.bytes())["data"]:
            branches += [
                f"_source_timezone = {_lit(zone)}",
                f"toTimeZone(toDateTime64(toString({_q(column)}), 6, {_lit(zone)}), 'UTC')",
            ]
        if not branches:
            return "CAST(NULL, 'Nullable(DateTime64(6, \\'UTC\\'))')"
        return f"multiIf({', '.join(branches)}, NULL)"

    def newest_clean(self, system: str) -> str:
        """The call table's rows that reach the clean model (the set-aside rules,
        docs/warehouse.md), with `started_at` (UTC) added. The table, its key and whether
        the timestamp is naive: the system's declaration; the rest: its `_Mapping`."""
        m, table = MAPPINGS[system], SYSTEMS[system].call_table
        key = ", ".join(_q(k) for k in _keys(system, table))
        naive = SYSTEMS[system].table(table).column(m.started).kind is Kind.TS
        utc = f"toTimeZone({_q(m.started)}, 'UTC')"
        started = self.to_utc(system, table, m.started) if naive else utc
        keep = [
            *(f"{_q(k)} is not null" for k in _keys(system, table)),
            "started_at is not null",
            "started_at >= toDateTime64('2020-01-01 00:00:00', 6, 'UTC')",
            "started_at <= now64(6) + interval 1 day",
            "_key_rank = 1",
        ]
        if "_unreadable" in self.columns(system, table):  # a value not readable as its kind
            keep.append("_unreadable is null")
        keep += [f"({_q(c)} is null or {_q(c)} between 0 and 10000000)" for c in m.tokens]
        if m.latency:
            keep.append(
                f"({_q(m.latency)} is null or toFloat64({_q(m.latency)}) between 0 and 86400000)"
            )
        keep += m.keep
        return f"""
            select * from (
                select
                    *,
                    {started} as started_at,
                    row_number() over (
                        partition by _source_name, {key}
                        order by _loaded_at desc, _load_id desc, _row_number
                    ) as _key_rank,
                    max(_load_id) over (partition by _source_name, {key}) as _newest_load
                from {self.file(system, table)}
            )
            where _load_id = _newest_load and {" and ".join(keep)}
        """

    def latest(self, system: str, table: str, columns: str) -> str:
        """The newest version of each row of a small table (`latest_rows` macro), by the
        table's declared key."""
        key = ", ".join(_q(k) for k in _keys(system, table))
        return f"""
            select _source_name, {columns} from {self.file(system, table)}
            order by _loaded_at desc, _load_id desc
            limit 1 by _source_name, {key}
        """


def _json_bigint(column: str, *path: str) -> str:
    """An integer at a JSON path, NULL when the text is not JSON or holds no integer there
    (the `json_bigint` macro)."""
    keys = ", ".join(_lit(p) for p in path)
    raw = f"trim(BOTH '\"' FROM JSONExtractRaw({column}, {keys}))"
    return f"if(isValidJSON({column}), toInt64OrNull({raw}), NULL)"


def _blank_as_null(column: str) -> str:
    """A string of only spaces says nothing: NULL (the `blank_as_null` macro)."""
    return f"if(trim({column}) = '', NULL, {column})"


# Each system's calls in one shape (its intermediate model), written by hand from the
# documented rules: one select per system, its columns in this order. The union takes its
# column names from its first select: ai_process_log's names them (_NAMING).


def _ai_process_log_calls(land: _Landing) -> str:
    return f"""
        select 'ai_process_log' as source_system, l._source_name as source_name,
            {null_s} as tenant_id, concat(l._source_name, ':', s.user_id) as user_id,
            {null_s} as provider_raw, {_blank_as_null("l.model")} as model_raw,
            'success' as status,
            l.token_input as input_tokens, l.token_output as output_tokens,
            {null_i} as cache_read_tokens, {null_i} as cache_creation_tokens,
            {null_i} as cache_write_1h_tokens, 'standard' as processing,
            toFloat64(l.latency_ms) as latency_ms, l.started_at
        from ({land.newest_clean("ai_process_log")}) as l
        left join ({land.latest("ai_process_log", "chat_session", "session_id, user_id")}) as s
            on l._source_name = s._source_name and l.session_id = s.session_id
        """


def _trip_planner_calls(land: _Landing) -> str:
    return f"""
        select 'trip_planner', g._source_name, {null_s},
            concat(g._source_name, ':', toString(w.user_id)),
            g.model_provider, {_blank_as_null("g.model_name")},
            if(g.output is null and n.status = 'failed', 'error', 'success'),
            g.prompt_tokens, g.completion_tokens, {null_i}, {null_i}, {null_i}, 'standard',
            toFloat64(g.latency_ms), g.started_at
        from ({land.newest_clean("trip_planner")}) as g
        left join ({land.latest("trip_planner", "nodes", "id, status")}) as n
            on g._source_name = n._source_name and g.node_id = n.id
        left join ({land.latest("trip_planner", "workflows", "id, user_id")}) as w
            on g._source_name = w._source_name and g.workflow_id = w.id
        """


def _text2sql_calls(land: _Landing) -> str:
    return f"""
        select 'text2sql', _source_name, {null_s}, concat(_source_name, ':', user_id),
            {null_s}, {_blank_as_null("llm_model")}, if(success, 'success', 'error'),
            prompt_tokens, completion_tokens, {null_i}, {null_i}, {null_i}, 'standard', {null_f},
            started_at
        from ({land.newest_clean("text2sql")})
        """


def _instagram_feed_calls(land: _Landing) -> str:
    # Anthropic's usage (instagram_feed's Claude responses): input_tokens leaves these out
    ig_read = ("f.gpt_response_raw", "usage", "cache_read_input_tokens")
    ig_written = ("f.gpt_response_raw", "usage", "cache_creation_input_tokens")
    ig_written_1h = ("f.gpt_response_raw", "usage", "cache_creation", "ephemeral_1h_input_tokens")
    oa_cached = ("f.gpt_response_raw", "usage", "prompt_tokens_details", "cached_tokens")
    models = land.latest("instagram_feed", "llm_models", "llm_model_id, provider, model_name")
    return f"""
        select 'instagram_feed', f._source_name, f.tenant_id, {null_s},
            m.provider, m.model_name, 'success',
            coalesce(f.prompt_tokens, {_json_bigint("f.token_usage", "prompt_tokens")},
                     {_json_bigint("f.gpt_response_raw", "usage", "prompt_tokens")},
                     {_json_bigint("f.gpt_response_raw", "usage", "input_tokens")}
                     + coalesce({_json_bigint(*ig_read)}, 0)
                     + coalesce({_json_bigint(*ig_written)}, 0)),
            coalesce(f.completion_tokens,
                     {_json_bigint("f.token_usage", "completion_tokens")},
                     {_json_bigint("f.gpt_response_raw", "usage", "completion_tokens")},
                     {_json_bigint("f.gpt_response_raw", "usage", "output_tokens")}),
            coalesce({_json_bigint(*oa_cached)}, {_json_bigint(*ig_read)}),
            {_json_bigint(*ig_written)}, {_json_bigint(*ig_written_1h)},
            if(isValidJSON(f.gpt_response_raw)
               and JSONExtractString(f.gpt_response_raw, 'usage', 'service_tier') = 'batch',
               'batch', 'standard'),
            toFloat64(f.latency_ms), f.started_at
        from ({land.newest_clean("instagram_feed")}) as f
        left join ({models}) as m
            on f._source_name = m._source_name and f.llm_model_id = m.llm_model_id
        """


def _ml_gateway_calls(land: _Landing) -> str:
    return f"""
        select 'ml_gateway', _source_name, {null_s}, {null_s}, {null_s}, {_blank_as_null("model")},
            if(error is null, 'success', 'error'), {null_i}, {null_i}, {null_i}, {null_i},
            {null_i}, 'standard', toFloat64(duration), started_at
        from ({land.newest_clean("ml_gateway")})
        """


def _otel_genai_calls(land: _Landing) -> str:
    return f"""
        select 'otel_genai', _source_name, tenant, concat(_source_name, ':', user_id),
            {_blank_as_null("provider")},
            coalesce({_blank_as_null("response_model")}, {_blank_as_null("request_model")}),
            if(status_code = 'STATUS_CODE_ERROR' or error_type is not null, 'error', 'success'),
            input_tokens, output_tokens, cache_read_input_tokens, cache_creation_input_tokens,
            {null_i}, 'standard', {_SPAN_US} / 1000.0, started_at
        from ({land.newest_clean("otel_genai")})
        """


@dataclass(frozen=True)
class _Mapping:
    """How this implementation reads one system's call table. Which table that is, its key,
    and whether a timestamp is naive come from the system's declaration (ingest.systems)."""

    started: str  # the column the call started at
    tokens: tuple[str, ...]  # token columns: set aside when negative or over 10M
    latency: str | None  # latency column (ms): set aside when negative or over 24 h
    calls: Callable[[_Landing], str]  # its calls in the common shape
    keep: tuple[str, ...] = ()  # the system's own further set-aside rules


MAPPINGS: dict[str, _Mapping] = {
    "ai_process_log": _Mapping(
        "created_at", ("token_input", "token_output"), "latency_ms", _ai_process_log_calls
    ),
    "trip_planner": _Mapping(
        "created_at", ("prompt_tokens", "completion_tokens"), "latency_ms", _trip_planner_calls
    ),
    "text2sql": _Mapping(
        "timestamp", ("prompt_tokens", "completion_tokens"), None, _text2sql_calls
    ),
    "instagram_feed": _Mapping(
        "created_at", ("prompt_tokens", "completion_tokens"), "latency_ms", _instagram_feed_calls
    ),
    "ml_gateway": _Mapping("createdAt", (), "duration", _ml_gateway_calls),
    "otel_genai": _Mapping(
        "start_time",
        ("input_tokens", "output_tokens", "cache_read_input_tokens",
         "cache_creation_input_tokens", "reasoning_output_tokens"),
        None,
        _otel_genai_calls,
        # a span without both ids or its end time, a line or attribute that could not be read
        keep=("trace_id is not null", "span_id is not null", "end_time is not null",
              "unreadable is null", f"{_SPAN_US} between 0 and 86400000000"),
    ),
}  # fmt: skip
_NAMING = "ai_process_log"  # its select names the union's columns: it goes first
# The declared systems (ingest.systems.SYSTEMS, in their order) this implementation maps,
# and those it does not: left out of the cross-check on both sides (bench/agreement.py)
MAPPED = tuple(s for s in SYSTEMS if s in MAPPINGS)
UNMAPPED = tuple(s for s in SYSTEMS if s not in MAPPINGS)


def not_cross_checked() -> str:
    """A line naming the declared systems without a chDB mapping; '' when there are none."""
    if not UNMAPPED:
        return ""
    return (
        f"chDB maps no calls of {', '.join(UNMAPPED)} (no mapping in bench/chdb_marts.py): "
        f"not cross-checked; the marts are compared on {', '.join(MAPPED)} only"
    )


def _calls_sql(land: _Landing) -> str:
    """One row per clean call of every mapped system, in one shape (the intermediate
    models)."""
    if _NAMING not in MAPPED:
        raise RuntimeError(
            f"{_NAMING}'s select names the calls' columns and it is not mapped or declared: "
            "name them (`as ...`) in the select of another system and set _NAMING"
        )
    order = [_NAMING, *(s for s in MAPPED if s != _NAMING)]
    return "\nunion all\n".join(MAPPINGS[s].calls(land) for s in order)


def _prices_sql() -> str:
    """The price of every (provider, model, matched model, processing, day) that has calls:
    overrides key on the canonical model, list prices on the library entry it matched (a
    batch call: the batch list price in force, else the standard one); a list price
    carries its long-context tiers as an array of (threshold, input, output, cache read,
    cache write, 1-hour cache write), sorted by threshold."""
    dec = "Nullable(Decimal(38, 6))"
    lists = (
        f"file({_lit(str(SEEDS / 'model_prices.csv'))}, CSVWithNames, "
        "'provider String, model String, processing String, valid_from Date, "
        "valid_to Nullable(Date), input_per_1m Nullable(String), output_per_1m Nullable(String), "
        "cache_read_per_1m Nullable(String), cache_write_per_1m Nullable(String), "
        "cache_write_1h_per_1m Nullable(String), price_source String')"
    )
    overrides = (
        f"file({_lit(str(SEEDS / 'model_price_overrides.csv'))}, CSVWithNames, "
        "'provider String, model String, valid_from Date, valid_to Nullable(Date), "
        "input_per_1m Nullable(String), output_per_1m Nullable(String), "
        "cache_read_per_1m Nullable(String), is_local Nullable(String), note String')"
    )
    tiers = (
        f"file({_lit(str(SEEDS / 'model_price_tiers.csv'))}, CSVWithNames, "
        "'provider String, model String, processing String, valid_from Date, "
        "input_tokens_over Int64, input_per_1m Nullable(String), output_per_1m Nullable(String), "
        "cache_read_per_1m Nullable(String), cache_write_per_1m Nullable(String), "
        "cache_write_1h_per_1m Nullable(String), price_source String')"
    )
    valid = "d.started_date >= p.valid_from and (p.valid_to is null or d.started_date < p.valid_to)"
    cols = (
        f"CAST(p.input_per_1m, '{dec}') as input_per_1m, "
        f"CAST(p.output_per_1m, '{dec}') as output_per_1m, "
        f"CAST(p.cache_read_per_1m, '{dec}') as cache_read_per_1m"
    )
    # overrides have no cache-write price and no tiers
    no_list = (
        f"CAST(NULL, '{dec}') as cache_write_per_1m, "
        f"CAST(NULL, '{dec}') as cache_write_1h_per_1m, "
        "CAST(NULL, 'Nullable(Date)') as list_from, "
        "CAST(NULL, 'Nullable(String)') as list_processing"
    )
    tier_columns = (
        "input_per_1m", "output_per_1m", "cache_read_per_1m", "cache_write_per_1m",
        "cache_write_1h_per_1m",
    )  # fmt: skip
    tier = ", ".join(f"CAST(t.{c}, '{dec}')" for c in tier_columns)
    # argMin over one tuple: argMin of a single Nullable column would skip its NULLs
    picked = "argMin((input_per_1m, output_per_1m, cache_read_per_1m, cache_write_per_1m, "
    picked += "is_local, list_from, cache_write_1h_per_1m, list_processing), priority)"
    return f"""
        with days as (
            select distinct provider, model, matched_model, processing, started_date from calls
            where provider is not null and model is not null
        ),
        candidates as (
            select d.provider, d.model, d.matched_model, d.processing, d.started_date,
                1 as priority, {cols}, {no_list}, lower(p.is_local) = 'true' as is_local
            from days as d inner join {overrides} as p
                on d.provider = p.provider and d.model = p.model
            where {valid}
            union all
            select d.provider, d.model, d.matched_model, d.processing, d.started_date, 2,
                {cols}, {no_list}, lower(p.is_local) = 'true'
            from days as d inner join {overrides} as p on d.provider = p.provider
            where p.model = '*' and {valid}
            union all
            select d.provider, d.model, d.matched_model, d.processing, d.started_date,
                if(p.processing = d.processing, 3, 4), {cols},
                CAST(p.cache_write_per_1m, '{dec}'), CAST(p.cache_write_1h_per_1m, '{dec}'),
                CAST(p.valid_from, 'Nullable(Date)'), CAST(p.processing, 'Nullable(String)'),
                false
            from days as d inner join {lists} as p
                on d.provider = p.provider and d.matched_model = p.model
            where {valid} and (p.processing = d.processing or p.processing = 'standard')
        ),
        picked as (
            select provider, model, matched_model, processing, started_date, {picked} as pick
            from candidates
            group by provider, model, matched_model, processing, started_date
        ),
        tier_lists as (
            select t.provider, t.model, t.processing, t.valid_from,
                arraySort(x -> x.1, groupArray((t.input_tokens_over, {tier}))) as tiers
            from {tiers} as t
            group by t.provider, t.model, t.processing, t.valid_from
        )
        select p.provider, p.model, p.matched_model, p.processing, p.started_date,
            p.pick.1 as input_per_1m, p.pick.2 as output_per_1m,
            p.pick.3 as cache_read_per_1m, p.pick.4 as cache_write_per_1m,
            p.pick.7 as cache_write_1h_per_1m, p.pick.5 as is_local, tl.tiers as tiers
        from picked as p
        left join tier_lists as tl
            on p.provider = tl.provider and p.matched_model = tl.model
            and p.pick.8 = tl.processing and p.pick.6 = tl.valid_from
    """


GENERATIONS_SQL = """
    select
        c.*,
        if(c.input_tokens is null and c.output_tokens is null, NULL,
           coalesce(c.input_tokens, 0) + coalesce(c.output_tokens, 0)) as total_tokens,
        least(coalesce(c.cache_read_tokens, 0), coalesce(c.input_tokens, 0)) as cached,
        least(coalesce(c.cache_creation_tokens, 0), coalesce(c.input_tokens, 0) - cached)
            as written,
        least(coalesce(c.cache_write_1h_tokens, 0), written) as written_1h,
        -- the tier whose range holds the input tokens: the last threshold they exceed
        arrayLastIndex(x -> coalesce(c.input_tokens, 0) > x.1, p.tiers) as tier_i,
        if(tier_i > 0, p.tiers[tier_i].2, p.input_per_1m) as input_price,
        if(tier_i > 0, p.tiers[tier_i].3, p.output_per_1m) as output_price,
        coalesce(if(tier_i > 0, p.tiers[tier_i].4, p.cache_read_per_1m), input_price)
            as read_price,
        coalesce(if(tier_i > 0, p.tiers[tier_i].5, p.cache_write_per_1m), input_price)
            as write_price,
        coalesce(if(tier_i > 0, p.tiers[tier_i].6, p.cache_write_1h_per_1m), write_price)
            as write_1h_price,
        CAST(multiIf(
            coalesce(p.is_local, false), toDecimal128(0, 12),
            p.input_per_1m is null or p.output_per_1m is null, NULL,
            c.input_tokens is null and c.output_tokens is null, NULL,
            ((coalesce(c.input_tokens, 0) - cached - written) * input_price
             + cached * read_price
             + (written - written_1h) * write_price
             + written_1h * write_1h_price
             + coalesce(c.output_tokens, 0) * output_price)
            * toDecimal128('0.000001', 6)
        ), 'Nullable(Decimal(38, 12))') as cost_usd
    from calls as c
    left join prices as p
        on c.provider = p.provider and c.model = p.model
        and isNotDistinctFrom(c.matched_model, p.matched_model)
        and c.processing = p.processing
        and c.started_date = p.started_date
"""

MART_SQL = {
    "daily_usage": """
        select started_date as usage_date, source_system, source_name, tenant_id, user_id,
            provider, model,
            count() as requests, countIf(status = 'error') as errors,
            sum(input_tokens) as input_tokens, sum(output_tokens) as output_tokens,
            sum(total_tokens) as total_tokens, sum(cost_usd) as cost_usd,
            countIf(cost_usd is null) as unpriced_requests
        from generations
        group by started_date, source_system, source_name, tenant_id, user_id, provider, model
    """,
    "model_costs": """
        with per_model as (
            select started_date as usage_date, provider, model,
                count() as requests, countIf(status = 'error') as errors,
                sum(input_tokens) as input_tokens, sum(output_tokens) as output_tokens,
                sum(total_tokens) as total_tokens, sum(cost_usd) as cost_usd,
                countIf(cost_usd is null) as unpriced_requests
            from generations
            group by started_date, provider, model
        )
        select *,
            CAST(cost_usd * 1000 / requests, 'Nullable(Decimal(38, 12))')
                as cost_per_1k_requests_usd,
            toFloat64(cost_usd) / nullIf(toFloat64(sum(cost_usd) over (partition by usage_date)), 0)
                as share_of_day_cost
        from per_model
    """,
    "latency_percentiles": """
        select started_date as usage_date, source_system, source_name, provider, model,
            count() as requests_with_latency,
            quantilesExactInclusive(0.5, 0.9, 0.95, 0.99)(latency_ms) as pcts,
            pcts[1] as p50_ms, pcts[2] as p90_ms, pcts[3] as p95_ms, pcts[4] as p99_ms,
            max(latency_ms) as max_ms
        from generations
        where status = 'success' and latency_ms is not null
        group by started_date, source_system, source_name, provider, model
    """,
}


def compute_marts(data_dir: Path, models_resolved: Path) -> tuple[dict[str, pa.Table], float]:
    """The three marts from DATA/landing by chDB, and the seconds it took."""
    from chdb import session

    if not_cross_checked():
        print(not_cross_checked(), file=sys.stderr, flush=True)
    t0 = time.perf_counter()
    sess = session.Session()
    try:
        for setting in (
            "session_timezone = 'UTC'",
            "join_use_nulls = 1",
            "prefer_column_name_to_alias = 1",
        ):
            sess.query(f"SET {setting}")
        land = _Landing(sess, data_dir)
        resolved = f"file({_lit(str(models_resolved))}, Parquet)"
        sess.query(
            f"""create table calls engine = Memory as
            select c.*, r.provider as provider, r.model as model, r.matched_model as matched_model,
                toDate(c.started_at, 'UTC') as started_date
            from ({_calls_sql(land)}) as c
            left join {resolved} as r
                on isNotDistinctFrom(c.provider_raw, r.provider_raw)
                and isNotDistinctFrom(c.model_raw, r.model_raw)"""
        )
        sess.query(f"create table prices engine = Memory as {_prices_sql()}")
        sess.query(f"create table generations engine = Memory as {GENERATIONS_SQL}")
        out = {}
        for name, sql in MART_SQL.items():
            table = sess.query(sql, "ArrowStream").bytes()
            out[name] = pa.ipc.open_stream(table).read_all() if table else pa.table({})
        out["latency_percentiles"] = out["latency_percentiles"].drop_columns(["pcts"])
    finally:
        sess.close()
    return out, time.perf_counter() - t0


def main() -> None:
    data_dir, out_dir = Path(sys.argv[1]), Path(sys.argv[2])
    out_dir.mkdir(parents=True, exist_ok=True)
    marts, seconds = compute_marts(data_dir, out_dir / "models_resolved.parquet")
    for name, table in marts.items():
        pq.write_table(table, out_dir / f"{name}.parquet")
    rows = {name: t.num_rows for name, t in marts.items()}
    print(json.dumps({"seconds": seconds, "rows": rows}))


if __name__ == "__main__":
    main()
