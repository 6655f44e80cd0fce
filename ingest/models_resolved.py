"""The raw → canonical model mapping, as a reference table both engines read.

Every (provider_raw, model_raw) pair the landed call tables hold, resolved by genai-prices'
own matching (``ingest.prices.resolve_model``) and named by ``ingest.model_names``, written
to ``$WAREHOUSE_DATA_DIR/landing/_models/models_resolved.parquet`` after every extract.
dbt reads it as the source ``landing.models_resolved`` (model ``int_models_resolved``), on
DuckDB and on Spark alike: Spark's dbt (session method) cannot run a Python model.

The pairs are taken from the landed files the way the staging models take them: the
model column with a blank string as NULL, the provider column as written (NULL for a
system that records none). A pair the generations hold that the file lacks (a system's
columns changed here but not in its staging model) fails the dbt test
``int_generations_unioned_models_are_resolved``, so the two cannot drift apart silently.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

# (system, landed table) -> (provider column or None, model column), as the staging
# models read them (stg_<system>__<table>.sql)
MODEL_COLUMNS: dict[tuple[str, str], tuple[str | None, str]] = {
    ("ai_process_log", "ai_process_log"): (None, "model"),
    ("instagram_feed", "llm_models"): ("provider", "model_name"),
    ("ml_gateway", "chat_logs"): (None, "model"),
    ("text2sql", "query_analytics"): (None, "llm_model"),
    ("trip_planner", "generations"): ("model_provider", "model_name"),
}

SCHEMA = pa.schema(
    [
        ("provider_raw", pa.string()),
        ("model_raw", pa.string()),
        ("provider", pa.string()),
        ("model", pa.string()),
        ("matched_model", pa.string()),
        ("is_known_model", pa.bool_()),
        ("resolved_by", pa.string()),
    ]
)


def path(data_dir: Path) -> Path:
    return data_dir / "landing" / "_models" / "models_resolved.parquet"


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def landed_pairs(data_dir: Path) -> list[tuple[str | None, str | None]]:
    """The distinct (provider_raw, model_raw) pairs of the landed call tables, and
    (NULL, NULL): a call whose model row is missing (a join that finds none)."""
    root = data_dir / "landing"
    selects = []
    for (system, table), (provider, model) in MODEL_COLUMNS.items():
        files = str(root / system / "*" / table / "*.parquet").replace("'", "''")
        prov = f"cast({_q(provider)} as varchar)" if provider else "cast(null as varchar)"
        selects.append(
            f"select {prov} as provider_raw, "
            f"case when trim({_q(model)}) = '' then null else {_q(model)} end as model_raw "
            f"from read_parquet('{files}', union_by_name = true)"
        )
    sql = " union ".join([*selects, "select null, null"])
    with duckdb.connect() as con:
        rows = con.sql(
            f"select distinct * from ({sql}) order by 1 nulls first, 2 nulls first"
        ).fetchall()
    return [(p, m) for p, m in rows]


def resolve(pairs: list[tuple[str | None, str | None]]) -> pa.Table:
    from ingest.model_names import canonical_model
    from ingest.prices import library_version, resolve_model

    rows: dict[str, list] = {f.name: [] for f in SCHEMA}
    version = library_version()
    for provider_raw, model_raw in pairs:
        provider, matched = resolve_model(provider_raw, model_raw)
        rows["provider_raw"].append(provider_raw)
        rows["model_raw"].append(model_raw)
        rows["provider"].append(provider)
        rows["model"].append(canonical_model(provider, model_raw, matched))
        rows["matched_model"].append(matched)
        rows["is_known_model"].append(matched is not None)
        rows["resolved_by"].append(version)
    return pa.table(rows, schema=SCHEMA)


def write(data_dir: Path) -> Path:
    """Rewrite the mapping from the landed files (atomically); returns its path."""
    out = path(data_dir)
    out.parent.mkdir(parents=True, exist_ok=True)
    table = resolve(landed_pairs(data_dir))
    tmp = out.with_name(".models_resolved.parquet.tmp")
    pq.write_table(table, tmp, compression="zstd")
    os.replace(tmp, out)
    return out
