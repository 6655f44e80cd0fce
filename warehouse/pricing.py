"""List prices from the maintained ``genai-prices`` library (pinned in pyproject.toml).

``export_prices`` writes the dbt seed ``model_prices.csv``: one row per provider, model,
processing (``standard``, or ``batch``: the library's batch price variant, where one is in
force) and validity range, per-1M-token base prices, and the library version that produced
it, so a build says which price data it used. ``export_tiers`` writes ``model_price_tiers.csv``: the
long-context tiers (a request over a tier's input-token threshold pays that tier's prices
on all its tokens). ``make prices`` refreshes both; review the diff like code.

``resolve_model`` maps a raw model string as an app wrote it (``GPT-4o-mini``,
``openai/gpt-4o``, ``gpt-4o-mini-2024-07-18``) to the library's canonical provider and
model, using the library's own matching rules.

Not modelled, documented in docs/costs.md: time-of-day discounts (e.g. DeepSeek off-peak),
request-context variants other than batch processing (service tiers, speed, route), which no
source records.
"""

from __future__ import annotations

import csv
import datetime as dt
import importlib.metadata
from decimal import Decimal
from pathlib import Path

from genai_prices import data_snapshot, types

PRICE_COLUMNS = [
    "provider",
    "model",
    "processing",
    "valid_from",
    "valid_to",
    "input_per_1m",
    "output_per_1m",
    "cache_read_per_1m",
    "cache_write_per_1m",
    "cache_write_1h_per_1m",
    "price_source",
]
OPEN_START = dt.date(2000, 1, 1)


def library_version() -> str:
    return f"genai-prices {importlib.metadata.version('genai-prices')}"


# the price keys the warehouse prices, by seed column
PRICE_KEYS = {
    "input_per_1m": "input_mtok",
    "output_per_1m": "output_mtok",
    "cache_read_per_1m": "cache_read_mtok",
    "cache_write_per_1m": "cache_write_mtok",
    "cache_write_1h_per_1m": "cache_write_1h_mtok",
}
# the request context of a batch call, as genai-prices' price variants name it
BATCH = {"processing": "batch"}
TIER_COLUMNS = [
    "provider",
    "model",
    "processing",
    "valid_from",
    "input_tokens_over",
    *PRICE_KEYS,
    "price_source",
]


def _base(value) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, types.TieredPrices):
        return value.base
    return Decimal(value)


def _at_tier(value, start: int) -> Decimal | None:
    """The price of one key for a request over ``start`` input tokens: its own highest tier
    starting at or below ``start`` (every start is one of the model's tier starts), else its
    base, as genai_prices.types.calc_unit_price picks it."""
    if not isinstance(value, types.TieredPrices):
        return _base(value)
    price = value.base
    for tier in value.tiers:  # sorted by start
        if tier.start <= start:
            price = tier.price
    return price


def _fmt(value: Decimal | None) -> str:
    if value is None:
        return ""
    return f"{value.quantize(Decimal('0.000001')).normalize():f}"


Period = tuple[str, str, str, dt.date, dt.date | None, types.ModelPrice]


def _batch_prices(model: types.ModelInfo, base: types.ModelPrice, day: dt.date):
    """The prices of a batch call on ``day``: the library's own resolution
    (``ModelInfo.get_prices`` with the context ``{"processing": "batch"}``: the batch
    variants in force that day laid over the standard prices, key by key); None when no
    variant changes them, or when the library's standard prices for that day are not
    ``base`` (a time-of-day price, not modelled)."""
    at = dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)
    if model.get_prices(at) is not base:
        return None
    resolved = model.get_prices(at, BATCH)
    return None if resolved.__dict__ == base.__dict__ else resolved


def _periods() -> list[Period]:
    """(provider, model, processing, valid_from, valid_to, prices) of every priced model
    and period: the standard prices, then the batch prices where a batch variant is in
    force (its start dates split the standard periods)."""
    snapshot = data_snapshot.get_snapshot()
    out: list[Period] = []
    seen: set[tuple[str, str, dt.date]] = set()
    for provider in snapshot.providers:
        for model in provider.models:
            prices = model.prices
            if isinstance(prices, types.ModelPrice):
                periods = [(OPEN_START, prices)]
            else:
                periods = []
                for cp in prices:
                    if cp.constraint is None:
                        periods.append((OPEN_START, cp.prices))
                    elif isinstance(cp.constraint, types.StartDateConstraint):
                        periods.append((cp.constraint.start_date, cp.prices))
                    # time-of-day constraints are not modelled (docs/costs.md)
                periods.sort(key=lambda p: p[0])
            variant_starts = sorted(
                {
                    v.constraint.start_date
                    for v in model.price_variants or ()
                    if isinstance(v.constraint, types.StartDateConstraint)
                }
            )
            batch: list[Period] = []
            for i, (start, p) in enumerate(periods):
                end = periods[i + 1][0] if i + 1 < len(periods) else None
                if p.input_mtok is None and p.output_mtok is None:
                    continue
                # a model id may appear twice in one provider's list; keep the first, as
                # the library does
                if (provider.id, model.id, start) in seen:
                    continue
                seen.add((provider.id, model.id, start))
                out.append((provider.id, model.id, "standard", start, end, p))
                inside = (d for d in variant_starts if start < d and (end is None or d < end))
                cuts = [start, *inside]
                for j, cut in enumerate(cuts):
                    resolved = _batch_prices(model, p, cut)
                    if resolved is not None:
                        until = cuts[j + 1] if j + 1 < len(cuts) else end
                        batch.append((provider.id, model.id, "batch", cut, until, resolved))
            out.extend(batch)
    return out


def price_rows() -> list[dict[str, str]]:
    """The base prices: one row per provider, model, processing and validity range."""
    source = library_version()
    return [
        {
            "provider": provider,
            "model": model,
            "processing": processing,
            "valid_from": start.isoformat(),
            "valid_to": end.isoformat() if end else "",
            **{col: _fmt(_base(getattr(p, key))) for col, key in PRICE_KEYS.items()},
            "price_source": source,
        }
        for provider, model, processing, start, end, p in _periods()
    ]


def tier_rows() -> list[dict[str, str]]:
    """The long-context tiers: one row per provider, model, processing, validity range and
    tier start, with every price a request over that many input tokens pays (a key with no
    tier of its own keeps its base price; empty: no price, as in the base row)."""
    source = library_version()
    rows = []
    for provider, model, processing, start, _end, p in _periods():
        values = {col: getattr(p, key) for col, key in PRICE_KEYS.items()}
        starts = sorted(
            {t.start for v in values.values() if isinstance(v, types.TieredPrices) for t in v.tiers}
        )
        for over in starts:
            rows.append(
                {
                    "provider": provider,
                    "model": model,
                    "processing": processing,
                    "valid_from": start.isoformat(),
                    "input_tokens_over": str(over),
                    **{col: _fmt(_at_tier(v, over)) for col, v in values.items()},
                    "price_source": source,
                }
            )
    return rows


def _write_csv(path: Path, columns: list[str], rows: list[dict[str, str]]) -> int:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=columns, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    tmp.replace(path)
    return len(rows)


def export_prices(path: Path) -> int:
    """Write the base prices seed (model_prices.csv); the number of rows."""
    return _write_csv(path, PRICE_COLUMNS, price_rows())


def export_tiers(path: Path) -> int:
    """Write the long-context tiers seed (model_price_tiers.csv); the number of rows."""
    return _write_csv(path, TIER_COLUMNS, tier_rows())


# Providers whose models run on the user's own hardware (priced by the overrides seed)
LOCAL_PROVIDERS = frozenset({"ollama"})


def resolve_model(provider_raw: str | None, model_raw: str | None) -> tuple[str | None, str | None]:
    """(provider, canonical model) for a raw model string, or (provider hint, None)."""
    if not model_raw:
        return (provider_raw.lower() if provider_raw else None), None
    ref = model_raw.strip()
    hint = provider_raw.strip().lower() if provider_raw else None
    if "/" in ref and hint is None:
        prefix, rest = ref.split("/", 1)
        hint, ref = prefix.lower(), rest
    snapshot = data_snapshot.get_snapshot()
    # A model served locally is never matched to a hosted provider's entry: Ollama's
    # `deepseek-r1` runs on the user's machine, it is not DeepSeek's paid API.
    fallback = [] if hint in LOCAL_PROVIDERS else [None]
    for provider_id in [hint, *fallback] if hint else [None]:
        try:
            provider, model = snapshot.find_provider_model(ref, None, provider_id, None)
        except LookupError:
            continue
        return provider.id, model.id
    return hint, None
