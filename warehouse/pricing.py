"""List prices from the maintained ``genai-prices`` library (pinned in pyproject.toml).

``export_prices`` writes the dbt seed ``model_prices.csv``: one row per provider, model and
validity range, per-1M-token prices, and the library version that produced it, so a build
says which price data it used. ``make prices`` refreshes it; review the diff like code.

``resolve_model`` maps a raw model string as an app wrote it (``GPT-4o-mini``,
``openai/gpt-4o``, ``gpt-4o-mini-2024-07-18``) to the library's canonical provider and
model, using the library's own matching rules.

Simplifications, documented in docs/costs.md: tiered prices (by prompt length) use their
base tier; time-of-day discounts (e.g. DeepSeek off-peak) are not modelled.
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
    "valid_from",
    "valid_to",
    "input_per_1m",
    "output_per_1m",
    "cache_read_per_1m",
    "cache_write_per_1m",
    "price_source",
]
OPEN_START = dt.date(2000, 1, 1)


def library_version() -> str:
    return f"genai-prices {importlib.metadata.version('genai-prices')}"


def _base(value) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, types.TieredPrices):
        return value.base
    return Decimal(value)


def _fmt(value: Decimal | None) -> str:
    if value is None:
        return ""
    return f"{value.quantize(Decimal('0.000001')).normalize():f}"


def price_rows() -> list[dict[str, str]]:
    snapshot = data_snapshot.get_snapshot()
    source = library_version()
    rows: list[dict[str, str]] = []
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
            for i, (start, p) in enumerate(periods):
                end = periods[i + 1][0] if i + 1 < len(periods) else None
                if p.input_mtok is None and p.output_mtok is None:
                    continue
                rows.append(
                    {
                        "provider": provider.id,
                        "model": model.id,
                        "valid_from": start.isoformat(),
                        "valid_to": end.isoformat() if end else "",
                        "input_per_1m": _fmt(_base(p.input_mtok)),
                        "output_per_1m": _fmt(_base(p.output_mtok)),
                        "cache_read_per_1m": _fmt(_base(p.cache_read_mtok)),
                        "cache_write_per_1m": _fmt(_base(p.cache_write_mtok)),
                        "price_source": source,
                    }
                )
    # a model id may appear twice in one provider's list; keep the first, as the library does
    seen: set[tuple[str, str, str]] = set()
    unique = []
    for r in rows:
        k = (r["provider"], r["model"], r["valid_from"])
        if k not in seen:
            seen.add(k)
            unique.append(r)
    return unique


def export_prices(path: Path) -> int:
    rows = price_rows()
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=PRICE_COLUMNS, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    tmp.replace(path)
    return len(rows)


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
