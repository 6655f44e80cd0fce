"""warehouse/pricing.py: the price seed is the pinned library's data, and raw model strings
resolve like the library resolves them. Expected prices are OpenAI's and Anthropic's
published list prices, typed here by hand."""

from __future__ import annotations

import csv
import datetime as dt
import importlib.metadata
import itertools
import re
from decimal import Decimal

import pytest
from genai_prices import Usage, calc_price, data_snapshot, types

from tests.support.cli import REPO
from warehouse.pricing import (
    PRICE_COLUMNS,
    TIER_COLUMNS,
    export_prices,
    export_tiers,
    library_version,
    price_rows,
    resolve_model,
)

SEED = REPO / "dbt_project" / "seeds" / "model_prices.csv"
OVERRIDES = REPO / "dbt_project" / "seeds" / "model_price_overrides.csv"
TIERS = REPO / "dbt_project" / "seeds" / "model_price_tiers.csv"


def _seed() -> list[dict[str, str]]:
    with open(SEED, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _rows(provider: str, model: str, processing: str = "standard") -> list[dict[str, str]]:
    return sorted(
        (
            r
            for r in _seed()
            if (r["provider"], r["model"], r["processing"]) == (provider, model, processing)
        ),
        key=lambda r: r["valid_from"],
    )


def test_library_version_is_the_pinned_one():
    pin = re.search(r'"genai-prices==([^"]+)"', (REPO / "pyproject.toml").read_text())
    assert pin, "genai-prices must be pinned exactly in pyproject.toml"
    assert importlib.metadata.version("genai-prices") == pin.group(1)
    assert f"genai-prices=={pin.group(1)}" in (REPO / "requirements.lock").read_text()
    assert library_version() == f"genai-prices {pin.group(1)}"


def test_seed_is_a_fresh_export_of_the_pinned_library(tmp_path):
    """A library bump without `make prices` (or a hand edit of the seed) fails here."""
    out = tmp_path / "model_prices.csv"
    n = export_prices(out)
    assert out.read_bytes() == SEED.read_bytes()
    assert n == len(_seed()) > 500
    assert not (tmp_path / "model_prices.csv.tmp").exists()
    assert list(_seed()[0]) == PRICE_COLUMNS
    assert {r["price_source"] for r in _seed()} == {library_version()}


def _tiers() -> list[dict[str, str]]:
    with open(TIERS, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_tier_seed_is_a_fresh_export_of_the_pinned_library(tmp_path):
    out = tmp_path / "model_price_tiers.csv"
    n = export_tiers(out)
    assert out.read_bytes() == TIERS.read_bytes()
    tiers = _tiers()
    assert n == len(tiers) > 50
    assert list(tiers[0]) == TIER_COLUMNS
    assert {r["price_source"] for r in tiers} == {library_version()}
    # every tier belongs to a price period of model_prices
    periods = {(r["provider"], r["model"], r["processing"], r["valid_from"]) for r in _seed()}
    assert all(
        (r["provider"], r["model"], r["processing"], r["valid_from"]) in periods for r in tiers
    )


def test_long_context_tier_of_a_published_price():
    """Anthropic's Claude Sonnet 4.5 over 200k input tokens: $6 / $22.50 per 1M, cache read
    $0.60, cache write $7.50 (its base: $3 / $15 / $0.30 / $3.75)."""
    (base,) = _rows("anthropic", "claude-sonnet-4-5")
    (tier,) = [
        r
        for r in _tiers()
        if (r["provider"], r["model"], r["processing"])
        == ("anthropic", "claude-sonnet-4-5", "standard")
    ]
    cols = ["input_per_1m", "output_per_1m", "cache_read_per_1m", "cache_write_per_1m"]
    assert [base[c] for c in cols] == ["3", "15", "0.3", "3.75"]
    assert tier["input_tokens_over"] == "200000"
    assert [tier[c] for c in cols] == ["6", "22.5", "0.6", "7.5"]


def _seed_cost(
    row: dict[str, str], tin: int, cached: int, written: int, tout: int, written_1h: int = 0
) -> Decimal:
    """What the warehouse's rule charges at one seed row's prices (docs/costs.md): of the
    cache writes, ``written_1h`` at the 1-hour price (else the cache-write price)."""
    p = {k: Decimal(v) if v else None for k, v in row.items() if k.endswith("_per_1m")}
    inp = p["input_per_1m"] or Decimal(0)
    read = p["cache_read_per_1m"] if p["cache_read_per_1m"] is not None else inp
    write = p["cache_write_per_1m"] if p["cache_write_per_1m"] is not None else inp
    write_1h = p["cache_write_1h_per_1m"] if p["cache_write_1h_per_1m"] is not None else write
    out = p["output_per_1m"] or Decimal(0)
    return (
        (tin - cached - written) * inp
        + cached * read
        + (written - written_1h) * write
        + written_1h * write_1h
        + tout * out
    ) / M


M = Decimal(1_000_000)


def test_every_tier_charges_what_calc_price_charges():
    """For every tier row: a call one token over its threshold costs, at the row's prices,
    what the library's own calc_price charges; at the lowest threshold itself, the base
    row's prices. Models with a per-request fee are left out (not modelled)."""
    snapshot = data_snapshot.get_snapshot()
    base = {(r["provider"], r["model"], r["processing"], r["valid_from"]): r for r in _seed()}
    lowest: dict[tuple[str, str, str, str], int] = {}
    for r in _tiers():
        key = (r["provider"], r["model"], r["processing"], r["valid_from"])
        lowest[key] = min(lowest.get(key, 1 << 62), int(r["input_tokens_over"]))
    checked = set()
    for r in _tiers():
        key = (r["provider"], r["model"], r["processing"], r["valid_from"])
        provider = next(p for p in snapshot.providers if p.id == r["provider"])
        model = next(m for m in provider.models if m.id == r["model"])
        ts = dt.datetime.combine(dt.date.fromisoformat(r["valid_from"]), dt.time(12), dt.UTC)
        context = {"processing": "batch"} if r["processing"] == "batch" else None
        prices = model.get_prices(ts, context)
        if prices.requests_kcount is not None:
            continue
        over = int(r["input_tokens_over"])
        cases = [(over + 1, r)] + ([(over, base[key])] if over == lowest[key] else [])
        for tin, row in cases:
            cached, written, written_1h, tout = tin // 4, tin // 8, tin // 16, 1000
            usage = Usage(
                input_tokens=tin, cache_read_tokens=cached, cache_write_tokens=written,
                cache_write_1h_tokens=written_1h, output_tokens=tout,
            )  # fmt: skip
            want = model.calc_price(
                usage, provider, genai_request_timestamp=ts, price_context=context
            ).total_price
            assert _seed_cost(row, tin, cached, written, tout, written_1h) == want, (r, tin)
            checked.add(r["processing"])
    assert checked == {"standard", "batch"}


def _time_of_day(model: types.ModelInfo) -> bool:
    """Prices that depend on the time of day (DeepSeek's off-peak hours): not exported."""
    periods = model.prices if isinstance(model.prices, list) else []
    return any(
        p.constraint is not None and not isinstance(p.constraint, types.StartDateConstraint)
        for p in periods
    )


def test_every_price_row_charges_what_calc_price_charges():
    """For every model_prices row, standard and batch, a call under every long-context
    threshold, with cache reads, 5-minute and 1-hour cache writes, costs at the row's prices
    what calc_price charges on the row's first day (with the context processing=batch for
    a batch row). Models with a per-request fee or time-of-day prices are left out (not
    modelled, docs/costs.md)."""
    snapshot = data_snapshot.get_snapshot()
    models = {(p.id, m.id): (p, m) for p in snapshot.providers for m in p.models}
    tin, cached, written, written_1h, tout = 1000, 250, 125, 50, 400
    usage = Usage(
        input_tokens=tin, cache_read_tokens=cached, cache_write_tokens=written,
        cache_write_1h_tokens=written_1h, output_tokens=tout,
    )  # fmt: skip
    checked = {"standard": 0, "batch": 0}
    for r in _seed():
        provider, model = models[(r["provider"], r["model"])]
        ts = dt.datetime.combine(dt.date.fromisoformat(r["valid_from"]), dt.time(12), dt.UTC)
        context = {"processing": "batch"} if r["processing"] == "batch" else None
        if model.get_prices(ts, context).requests_kcount is not None or _time_of_day(model):
            continue
        want = model.calc_price(
            usage, provider, genai_request_timestamp=ts, price_context=context
        ).total_price
        # exact but for the seed's 6 decimals per 1M tokens: a few library prices have more
        # (0.18000000000000001, 1/12 of a dollar), each off by at most half a unit of the 6th
        got = _seed_cost(r, tin, cached, written, tout, written_1h)
        assert abs(got - want) <= (tin + tout) * Decimal("0.0000005") / M, (r, got, want)
        checked[r["processing"]] += 1
    assert checked["standard"] > 2000 and checked["batch"] > 100


def test_batch_prices_of_a_published_model():
    """Anthropic's Message Batches halve Claude Sonnet 4.6's prices: $1.50 / $7.50, cache
    read $0.15, 5-minute write $1.875, 1-hour write $3 (standard: $3 / $15 / $0.30 / $3.75 /
    $6), in the library from 2026-10-14 (earlier batch history is not in it)."""
    (std,) = [r for r in _rows("anthropic", "claude-sonnet-4-6") if r["valid_to"] == ""]
    (batch,) = _rows("anthropic", "claude-sonnet-4-6", "batch")
    cols = [
        "input_per_1m", "output_per_1m", "cache_read_per_1m", "cache_write_per_1m",
        "cache_write_1h_per_1m",
    ]  # fmt: skip
    assert [std[c] for c in cols] == ["3", "15", "0.3", "3.75", "6"]
    assert [batch[c] for c in cols] == ["1.5", "7.5", "0.15", "1.875", "3"]
    assert (batch["valid_from"], batch["valid_to"]) == ("2026-10-14", "")


def test_seed_rows_are_unique_ranges():
    rows = price_rows()
    keys = [(r["provider"], r["model"], r["processing"], r["valid_from"]) for r in rows]
    assert len(keys) == len(set(keys))
    by_model: dict[tuple[str, str, str], list[dict[str, str]]] = {}
    for r in rows:
        by_model.setdefault((r["provider"], r["model"], r["processing"]), []).append(r)
    for periods in by_model.values():
        periods.sort(key=lambda r: r["valid_from"])
        # each range ends where the next begins; only the last is open
        for a, b in itertools.pairwise(periods):
            assert a["valid_to"] == b["valid_from"]
        assert periods[-1]["valid_to"] == ""


@pytest.mark.parametrize(
    ("provider", "model", "input_1m", "output_1m", "cache_read_1m"),
    [
        # OpenAI list: gpt-4o-mini $0.15 / $0.60 per 1M, cached input $0.075
        ("openai", "gpt-4o-mini", "0.15", "0.6", "0.075"),
        # gpt-4o $2.50 / $10, cached $1.25
        ("openai", "gpt-4o", "2.5", "10", "1.25"),
        # gpt-3.5-turbo (0125) $0.50 / $1.50 per 1M
        ("openai", "gpt-3.5-turbo", "0.5", "1.5", ""),
        # Anthropic list: Claude 3.5 Sonnet $3 / $15, cache read $0.30
        ("anthropic", "claude-3-5-sonnet", "3", "15", "0.3"),
    ],
)
def test_seed_holds_published_list_prices(provider, model, input_1m, output_1m, cache_read_1m):
    (row,) = _rows(provider, model)
    assert (row["input_per_1m"], row["output_per_1m"]) == (input_1m, output_1m)
    assert row["cache_read_per_1m"] == cache_read_1m
    assert (row["valid_from"], row["valid_to"]) == ("2000-01-01", "")


def test_o3_price_cut_is_a_validity_range():
    """OpenAI cut o3 from $10/$40 to $2/$8 per 1M on 2025-06-10."""
    before, after = _rows("openai", "o3")
    assert (before["input_per_1m"], before["output_per_1m"]) == ("10", "40")
    assert (after["input_per_1m"], after["output_per_1m"]) == ("2", "8")
    assert before["valid_to"] == after["valid_from"] == "2025-06-10"
    # and the library itself prices each side so: 1,000 in + 1,000 out
    usage = Usage(input_tokens=1000, output_tokens=1000)
    for day, want in [(dt.date(2025, 6, 9), "0.05"), (dt.date(2025, 6, 10), "0.01")]:
        ts = dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC)
        got = calc_price(usage, "o3", provider_id="openai", genai_request_timestamp=ts)
        assert got.total_price == Decimal(want)


@pytest.mark.parametrize(
    ("provider_raw", "model_raw", "expected"),
    [
        (None, "gpt-4o-mini-2024-07-18", ("openai", "gpt-4o-mini")),
        (None, "GPT-4o-mini", ("openai", "gpt-4o-mini")),
        (None, "gpt-4o-mini", ("openai", "gpt-4o-mini")),
        (None, "openai/gpt-4o", ("openai", "gpt-4o")),
        (None, "  gpt-4o ", ("openai", "gpt-4o")),
        (None, "claude-3-5-sonnet-20241022", ("anthropic", "claude-3-5-sonnet")),
        (None, "o4-mini-2025-04-16", ("openai", "o4-mini")),
        ("OpenAI", "gpt-3.5-turbo", ("openai", "gpt-3.5-turbo")),
        # fine-tunes have their own price in the library, under the provider
        ("openai", "ft:gpt-4o-mini-2024-07-18:acme-ig::B7xKp2Qd", ("openai", "ft:gpt-4o-mini")),
        # local and unknown models: the provider hint stays, no canonical model
        ("ollama", "llama3.2", ("ollama", None)),
        (None, "llama3.2", (None, None)),
        ("naver", "HCX-003", ("naver", None)),
        (None, "acme-llm-7b", (None, None)),
        (None, None, (None, None)),
        ("openai", None, ("openai", None)),
    ],
)
def test_resolve_model(provider_raw, model_raw, expected):
    assert resolve_model(provider_raw, model_raw) == expected


def test_overrides_file_is_well_formed():
    with open(OVERRIDES, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == [
        "provider", "model", "valid_from", "valid_to", "input_per_1m", "output_per_1m",
        "cache_read_per_1m", "is_local", "note",
    ]  # fmt: skip
    ollama = [r for r in rows if r["provider"] == "ollama"]
    assert ollama and ollama[0]["model"] == "*" and ollama[0]["is_local"] == "true"
    assert Decimal(ollama[0]["input_per_1m"]) == Decimal(ollama[0]["output_per_1m"]) == 0
    for r in rows:
        dt.date.fromisoformat(r["valid_from"])
        assert r["valid_to"] == "" or r["valid_to"] > r["valid_from"]
