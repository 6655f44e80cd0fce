"""One demo warehouse for the test modules that only read it (tests/e2e/test_demo_warehouse.py,
tests/e2e/test_costs.py): generated, extracted and built once per test run, however many
pytest-xdist workers ask for it. A test that changes a warehouse works on a copy
(`copy_of`)."""

from __future__ import annotations

import fcntl
import shutil
from pathlib import Path

import pytest

from tests.support.cli import cli, demo_env

# 2025-06-08 .. 2025-06-12: spans 2025-06-10, when OpenAI cut o3's list price
DAYS, CALLS_PER_DAY, END = 5, 600, "2025-06-12"
# what `python -m warehouse build` printed when it built the shared warehouse
BUILD_LOG = "build.log"


def shared_demo_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The data dir of the shared demo warehouse, built by the first worker that asks
    (the others wait on a file lock). Under pytest-xdist every worker's base temp dir is
    a folder of the run's own (pytest-xdist's documented way to share a fixture across
    workers); without it, the base temp dir is the run's."""
    base = tmp_path_factory.getbasetemp()
    root = base.parent if base.name.startswith("popen-gw") else base
    data = root / "shared_demo_warehouse"
    with open(root / "shared_demo_warehouse.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (data / BUILD_LOG).is_file():
            shutil.rmtree(data, ignore_errors=True)  # a build that failed half-way
            data.mkdir()
            env = demo_env(data)
            cli(env, "demo", "--days", str(DAYS), "--calls-per-day", str(CALLS_PER_DAY),
                "--end-date", END)  # fmt: skip
            cli(env, "extract")
            log = cli(env, "build")
            (data / BUILD_LOG).write_text(log)
    return data


def copy_of(data: Path, to: Path) -> Path:
    """A copy of a warehouse's data dir, to change without touching the original. The
    readers' warehouse.duckdb still points at the original's published files until the
    copy's next build publishes its own."""
    shutil.copytree(data, to, symlinks=True)
    return to
