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


def dbt_env(data_dir: Path) -> dict[str, str]:
    """The environment every dbt invocation of this warehouse gets."""
    env = dict(os.environ)
    env["WAREHOUSE_DATA_DIR"] = str(data_dir)
    env["DBT_PROFILES_DIR"] = str(DBT_DIR)
    # dbt's compiled files and logs belong to this warehouse, not to the checkout
    env["DBT_TARGET_PATH"] = str(data_dir / "dbt" / "target")
    env["DBT_LOG_PATH"] = str(data_dir / "dbt" / "logs")
    return env
