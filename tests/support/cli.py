"""Running the application as a user does, for the tests: ``python -m warehouse ...`` and
``make ...`` in a subprocess, against a data dir of the test's own."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import polars as pl

from warehouse.paths import REPO_ROOT

REPO = REPO_ROOT


def demo_env(data: Path, sources: Path | None = None, **extra: str) -> dict[str, str]:
    """The environment of a run whose data dir is `data` and whose sources file is
    `sources`, by default the demo's (``python -m warehouse demo`` writes it to
    ``<data>/demo/sources.toml``); `extra`: more variables."""
    env = dict(os.environ, WAREHOUSE_DATA_DIR=str(data))
    env["WAREHOUSE_SOURCES"] = str(data / "demo" / "sources.toml" if sources is None else sources)
    env.update(extra)
    return env


def run(
    args: list[str],
    env: dict[str, str] | None = None,
    code: int = 0,
    cwd: Path = REPO,
    timeout: float | None = 900,
) -> str:
    """Run a command (in this process's environment unless `env`); assert its exit status
    is `code`; return what it printed. `timeout` None: no time limit."""
    proc = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    out = proc.stdout + proc.stderr
    assert proc.returncode == code, (
        f"{args} exited {proc.returncode}:\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}"
    )
    return out


def cli(env: dict[str, str], *args: str, code: int = 0, timeout: float | None = 900) -> str:
    """``python -m warehouse <args>``; assert its exit status is `code`; return its output."""
    return run([sys.executable, "-m", "warehouse", *args], env, code=code, timeout=timeout)


def make(env: dict[str, str], *targets: str, code: int = 0) -> str:
    """``make <targets>`` in the checkout, as a user types it (no time limit); assert its
    exit status is `code`; return its output."""
    return run(["make", "--no-print-directory", *targets], env, code=code, timeout=None)


def demo_sources(
    out: Path, days: int, calls_per_day: int, end_date: str = "2025-06-24", *extra: str
) -> Path:
    """``python -m warehouse demo`` into `out` (its sources.toml, databases and truth);
    the same seed and start give the same first days whatever `days` is. Returns the
    truth's generations file."""
    run(
        [sys.executable, "-m", "warehouse", "demo", "--days", str(days), "--calls-per-day",
         str(calls_per_day), "--end-date", end_date, "--out", str(out), *extra],
        dict(os.environ),
    )  # fmt: skip
    return out / "truth" / "generations.parquet"


def demo(
    out: Path, days: int, calls_per_day: int, end_date: str = "2025-06-24", seed: int | None = None
) -> pl.DataFrame:
    """`demo_sources` (with the generator's default seed unless `seed`), and the truth's
    generations: every call the warehouse must hold."""
    extra = () if seed is None else ("--seed", str(seed))
    return pl.read_parquet(demo_sources(out, days, calls_per_day, end_date, *extra))
