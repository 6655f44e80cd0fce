"""The repository's own lint rules, so `make test` keeps main clean: ruff and mypy for
Python (settings in pyproject.toml), sqlfluff (dbt templater, dialect duckdb) for the dbt
models. `make lint` runs the same checks."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.support.cli import REPO

BIN = Path(sys.executable).parent


def _run(args: list[str], **kw) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=REPO, capture_output=True, text=True, **kw)


def test_ruff_check():
    proc = _run([str(BIN / "ruff"), "check", "."])
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_ruff_format():
    proc = _run([str(BIN / "ruff"), "format", "--check", "."])
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_mypy():
    # the files and settings are pyproject.toml's [tool.mypy]
    proc = _run([str(BIN / "mypy")])
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-3000:]


def test_sqlfluff(tmp_path):
    # the dbt templater compiles the project; give it a scratch warehouse
    env = dict(
        os.environ,
        WAREHOUSE_DATA_DIR=str(tmp_path),
        DBT_TARGET_PATH=str(tmp_path / "target"),
        DBT_LOG_PATH=str(tmp_path / "logs"),
    )
    proc = _run([str(BIN / "sqlfluff"), "lint", "dbt_project/models"], env=env)
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-3000:]


def test_no_merge_conflict_markers():
    # a conflict resolved by hand once left its markers in a doc: no tracked file keeps one
    proc = _run(["git", "grep", "-n", "-E", "^(<<<<<<<|>>>>>>>) ", "--", "."])
    assert proc.returncode == 1 and not proc.stdout, proc.stdout
