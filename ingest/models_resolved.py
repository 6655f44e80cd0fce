"""The raw → canonical model mapping, as a reference table both engines read.

Every (provider_raw, model_raw) pair the landed call tables hold, resolved by genai-prices'
own matching (``warehouse.pricing.resolve_model``) and named by ``warehouse.model_names``, written
to ``$WAREHOUSE_DATA_DIR/landing/_models/models_resolved.parquet`` after every extract.
dbt reads it as the source ``landing.models_resolved`` (model ``stg_landing__models_resolved``), on
DuckDB and on Spark alike: Spark's dbt (session method) cannot run a Python model.

The pairs are taken from the landed files the way the staging models take them
(each system module's ``model_columns``: blank strings as NULL, NULL for a system that
records no provider).
A pair the generations hold that the file lacks (a system's columns changed here but not
in its staging model) fails the dbt test
``assert_every_model_pair_resolved``, so the two cannot drift apart silently.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from ingest.systems import SYSTEMS

# (system, landed table) -> (provider_raw, model_raw) as SQL over the landed columns,
# exactly as the staging models compute them: each system module's `model_columns`
MODEL_COLUMNS: dict[tuple[str, str], tuple[str, str]] = {
    (s.name, s.model_columns.table): (s.model_columns.provider, s.model_columns.model)
    for s in SYSTEMS.values()
    if s.model_columns is not None
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


def landed_pairs(data_dir: Path) -> list[tuple[str | None, str | None]]:
    """The distinct (provider_raw, model_raw) pairs of the landed call tables, and
    (NULL, NULL): a call whose model row is missing (a join that finds none)."""
    root = data_dir / "landing"
    selects = []
    for (system, table), (provider, model) in MODEL_COLUMNS.items():
        files = str(root / system / "*" / table / "*.parquet").replace("'", "''")
        selects.append(
            f"select cast({provider} as varchar) as provider_raw, "
            f"cast({model} as varchar) as model_raw "
            f"from read_parquet('{files}', union_by_name = true)"
        )
    sql = " union ".join([*selects, "select null, null"])
    with duckdb.connect() as con:
        rows = con.sql(
            f"select distinct * from ({sql}) order by 1 nulls first, 2 nulls first"
        ).fetchall()
    return [(p, m) for p, m in rows]


def resolve(pairs: list[tuple[str | None, str | None]]) -> pa.Table:
    from warehouse.model_names import canonical_model
    from warehouse.pricing import library_version, resolve_model

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
