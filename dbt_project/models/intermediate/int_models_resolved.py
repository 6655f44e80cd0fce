"""Raw model strings, as the apps wrote them, resolved to a canonical provider and model.

Matching is genai-prices' own (warehouse/pricing.py, resolve_model): `GPT-4o-mini`,
`gpt-4o-mini-2024-07-18` and `openai/gpt-4o` resolve like the library resolves them; the
library's id is `matched_model`, the key of its list price. The displayed `model` follows
the naming rule of warehouse/model_names.py (docs/costs.md, "Model names"): the library's id,
except for a moving alias (`claude-3-5-haiku-latest`: the string the app wrote) and for
strings the library does not know (lower-cased text; Ollama's `:latest` tag dropped).
"""

import pyarrow as pa


def model(dbt, session):
    dbt.config(materialized="table")
    from warehouse.model_names import canonical_model
    from warehouse.pricing import library_version, resolve_model

    generations = dbt.ref("int_generations_unioned")
    pairs = (
        generations.project("provider_raw, model_raw")
        .distinct()
        .order("provider_raw nulls first, model_raw nulls first")
        .fetchall()
    )
    rows = {
        "provider_raw": [],
        "model_raw": [],
        "provider": [],
        "model": [],
        "matched_model": [],
        "is_known_model": [],
        "resolved_by": [],
    }
    for provider_raw, model_raw in pairs:
        provider, matched = resolve_model(provider_raw, model_raw)
        rows["provider_raw"].append(provider_raw)
        rows["model_raw"].append(model_raw)
        rows["provider"].append(provider)
        rows["model"].append(canonical_model(provider, model_raw, matched))
        rows["matched_model"].append(matched)
        rows["is_known_model"].append(matched is not None)
        rows["resolved_by"].append(library_version())
    return pa.table(
        rows,
        schema=pa.schema(
            [
                ("provider_raw", pa.string()),
                ("model_raw", pa.string()),
                ("provider", pa.string()),
                ("model", pa.string()),
                ("matched_model", pa.string()),
                ("is_known_model", pa.bool_()),
                ("resolved_by", pa.string()),
            ]
        ),
    )
