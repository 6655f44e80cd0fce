"""Where the warehouse lives: the checkout, the data directory, dbt's environment.

Defined once here; every command, the nightly, the reports and the notebooks read them.
``WAREHOUSE_DATA_DIR`` (default ``data/`` in the checkout) holds everything the warehouse
writes: landing zone, builder and readers databases, dbt's compiled files and logs, reports.
"""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
DBT_DIR = REPO_ROOT / "dbt_project"
NOTEBOOKS_DIR = REPO_ROOT / "notebooks"


def data_dir() -> Path:
    """``$WAREHOUSE_DATA_DIR``, else ``data/`` at the repository root (as every make target)."""
    return Path(os.environ.get("WAREHOUSE_DATA_DIR") or REPO_ROOT / "data").resolve()


# WAREHOUSE_ENGINE picks the profile's target (dbt_project/profiles.yml): DuckDB unless
# it says spark (docs/spark.md)
ENGINES = ("duckdb", "spark")


def engine() -> str:
    """The engine dbt builds with: ``$WAREHOUSE_ENGINE``, default duckdb."""
    name = os.environ.get("WAREHOUSE_ENGINE", "").strip().lower() or "duckdb"
    if name not in ENGINES:
        raise ValueError(f"WAREHOUSE_ENGINE={name!r}: expected one of {', '.join(ENGINES)}")
    return name


def dbt_target_dir(data_dir: Path) -> Path:
    """dbt's compiled files, manifest.json and run_results.json for the warehouse in
    `data_dir`: they belong to that warehouse, not to the checkout."""
    return data_dir / "dbt" / "target"


def dbt_env(data_dir: Path, nightly_tests: bool = False) -> dict[str, str]:
    """The environment every dbt invocation of this warehouse gets. `nightly_tests`: the
    data tests read only what the build rebuilt (macros/nightly_tests.sql)."""
    env = dict(os.environ)
    env["WAREHOUSE_NIGHTLY_TESTS"] = "true" if nightly_tests else "false"
    env["WAREHOUSE_ENGINE"] = engine()
    if env["WAREHOUSE_ENGINE"] == "spark":
        # the session method's local Spark binds the loopback, not the host's name
        env.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
        # Spark SQL cannot list files (macros/cross_db/files_exist.sql): the run-log
        # files it would read, '_'-named placeholders aside (Spark hides those)
        runlog = [p for p in (data_dir / "runlog").glob("*.parquet") if not p.name.startswith("_")]
        env["WAREHOUSE_RUNLOG_FILES"] = str(len(runlog))
    env["WAREHOUSE_DATA_DIR"] = str(data_dir)
    env["DBT_PROFILES_DIR"] = str(DBT_DIR)
    # dbt's compiled files and logs belong to this warehouse, not to the checkout
    env["DBT_TARGET_PATH"] = str(dbt_target_dir(data_dir))
    env["DBT_LOG_PATH"] = str(data_dir / "dbt" / "logs")
    return env
