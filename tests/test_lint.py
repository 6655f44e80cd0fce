"""The repository's own lint rules, so `make test` keeps main clean: ruff and mypy for
Python (settings in pyproject.toml), sqlfluff (dbt templater, dialect duckdb) for the dbt
models. `make lint` runs the same checks."""

from __future__ import annotations

import sys
from pathlib import Path

from tests.support.cli import run
from warehouse.paths import dbt_env

BIN = Path(sys.executable).parent


def test_ruff_check():
    run([str(BIN / "ruff"), "check", "."], timeout=None)


def test_ruff_format():
    run([str(BIN / "ruff"), "format", "--check", "."], timeout=None)


def test_mypy():
    # the files and settings are pyproject.toml's [tool.mypy]
    run([str(BIN / "mypy")], timeout=None)


def test_sqlfluff(tmp_path):
    # the dbt templater compiles the project; give it a scratch warehouse
    run([str(BIN / "sqlfluff"), "lint", "dbt_project/models"], dbt_env(tmp_path), timeout=None)


def test_no_merge_conflict_markers():
    # a conflict resolved by hand once left its markers in a doc: no tracked file keeps one
    found = run(["git", "grep", "-n", "-E", "^(<<<<<<<|>>>>>>>) ", "--", "."], code=1, timeout=None)
    assert not found, found
