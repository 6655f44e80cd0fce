"""Running the application as a user does, for the tests: ``python -m warehouse ...`` in a
subprocess, against a data dir of the test's own."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from warehouse.paths import REPO_ROOT

REPO = REPO_ROOT


def demo_env(data: Path, **extra: str) -> dict[str, str]:
    """The environment of a run whose data dir is `data` and whose sources are the demo's
    (``python -m warehouse demo`` writes them to ``<data>/demo/sources.toml``)."""
    env = dict(os.environ, WAREHOUSE_DATA_DIR=str(data))
    env["WAREHOUSE_SOURCES"] = str(data / "demo" / "sources.toml")
    env.update(extra)
    return env


def run(
    args: list[str], env: dict[str, str], code: int = 0, cwd: Path = REPO, timeout: int = 900
) -> str:
    """Run a command; assert its exit status is `code`; return what it printed."""
    proc = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    out = proc.stdout + proc.stderr
    assert proc.returncode == code, (
        f"{args} exited {proc.returncode}:\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}"
    )
    return out


def cli(env: dict[str, str], *args: str, code: int = 0, timeout: int = 900) -> str:
    """``python -m warehouse <args>``; assert its exit status is `code`; return its output."""
    return run([sys.executable, "-m", "warehouse", *args], env, code=code, timeout=timeout)


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
