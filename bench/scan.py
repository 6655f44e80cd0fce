"""The physical limit: DuckDB reading every column of every landed Parquet file once.

    python -m bench.scan DATA_DIR     # prints JSON: seconds, tables, columns

Each column is aggregated (count, min, max), so every column's pages are read and decoded:
`select count(*)` alone would read only the Parquet footers.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import duckdb


def _glob(data_dir: Path, system: str, table: str) -> str:
    return f"{data_dir}/landing/{system}/*/{table}/*.parquet"


def landed_tables(data_dir: Path) -> list[tuple[str, str]]:
    """(system, table) of every landed table, published versions only."""
    tables = {
        (p.parent.parent.parent.name, p.parent.name)
        for p in (data_dir / "landing").glob("*/*/*/*.parquet")
        if not p.parent.parent.parent.name.startswith(".")
    }
    return sorted(tables)


def scan(data_dir: Path) -> dict:
    con = duckdb.connect()
    columns = 0
    t0 = time.perf_counter()
    for system, table in landed_tables(data_dir):
        src = f"read_parquet('{_glob(data_dir, system, table)}', union_by_name = true)"
        names = [r[0] for r in con.execute(f"describe select * from {src}").fetchall()]
        aggs = ", ".join(
            f'count("{c}"), min("{c}"), max("{c}")' for c in (n.replace('"', '""') for n in names)
        )
        con.execute(f"select {aggs} from {src}").fetchall()
        columns += len(names)
    seconds = time.perf_counter() - t0
    return {"seconds": seconds, "tables": len(landed_tables(data_dir)), "columns": columns}


def main() -> None:
    print(json.dumps(scan(Path(sys.argv[1]))))


if __name__ == "__main__":
    main()
