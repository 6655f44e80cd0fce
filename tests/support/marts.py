"""A test's warehouse built by dbt by hand, and its marts read back whole, to compare two
builds of the same data (a refresh with a full rebuild, a crashed run with an uninterrupted
one) row for row."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from pathlib import Path

import duckdb
import polars as pl

from tests.support.cli import run
from warehouse.dbt_runner import dbt_executable
from warehouse.paths import DBT_DIR, dbt_env
from warehouse.publish import READERS_DB


def dbt_build(
    data: Path,
    *args: str,
    project: Path = DBT_DIR,
    timeout: float | None = None,
    **env: str,
) -> str:
    """``dbt build --quiet <args>`` of the warehouse in `data`, seeds and models only (its
    data tests and unit tests left out), in the dbt project `project` (with its profiles),
    in the environment of warehouse.paths.dbt_env with `env` on top; assert it succeeds;
    return its output."""
    env = dbt_env(data) | {"DBT_PROFILES_DIR": str(project)} | env
    return run(
        [dbt_executable(), "build", "--quiet", *args,
         "--exclude-resource-type", "test", "unit_test"],
        env, cwd=project, timeout=timeout,
    )  # fmt: skip


def marts(
    data: Path, names: Iterable[str] | None = None, db: str = READERS_DB, drop: Collection[str] = ()
) -> dict[str, pl.DataFrame]:
    """Every row of the marts `names` (default: every relation of the schema marts) of
    the warehouse in `data`, from its readers' database or `db`, without the columns
    `drop` (wherever a mart has them), sorted on every column: equal marts give equal
    frames."""
    with duckdb.connect(str(data / db), read_only=True) as con:
        if names is None:
            names = [
                r[0]
                for r in con.execute(
                    "select table_name from information_schema.tables "
                    "where table_schema = 'marts' order by 1"
                ).fetchall()
            ]
        out = {}
        for name in names:
            columns = con.sql(f"select * from marts.{name} limit 0").columns
            kept = ", ".join(f'"{c}"' for c in columns if c not in drop)
            out[name] = con.sql(f"select {kept} from marts.{name} order by all").pl()
        return out
