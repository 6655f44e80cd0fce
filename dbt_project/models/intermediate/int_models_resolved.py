"""Raw model strings, as the apps wrote them, resolved to a canonical provider and model.

Matching is genai-prices' own (ingest/prices.py, resolve_model): `GPT-4o-mini`,
`gpt-4o-mini-2024-07-18` and `openai/gpt-4o` resolve like the library resolves them.
A string the library does not know keeps its lower-cased text as `model` and
`is_known_model = false`; the price join then leaves its cost NULL.
"""

import pyarrow as pa


def model(dbt, session):
    dbt.config(materialized="table")
    from ingest.prices import library_version, resolve_model

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
        "is_known_model": [],
        "resolved_by": [],
    }
    for provider_raw, model_raw in pairs:
        provider, model_id = resolve_model(provider_raw, model_raw)
        rows["provider_raw"].append(provider_raw)
        rows["model_raw"].append(model_raw)
        rows["provider"].append(provider)
        rows["model"].append(model_id or (model_raw.strip().lower() if model_raw else None))
        rows["is_known_model"].append(model_id is not None)
        rows["resolved_by"].append(library_version())
    return pa.table(
        rows,
        schema=pa.schema(
            [
                ("provider_raw", pa.string()),
                ("model_raw", pa.string()),
                ("provider", pa.string()),
                ("model", pa.string()),
                ("is_known_model", pa.bool_()),
                ("resolved_by", pa.string()),
            ]
        ),
    )
