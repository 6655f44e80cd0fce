"""Shared by every test: the `e2e` marker by folder. The helpers that run the application
(``python -m warehouse`` against a test's own data dir) are in tests/support/cli.py."""

from __future__ import annotations

from pathlib import Path

import pytest

# Folders whose every test is end to end (generate, ingest, dbt build): marked `e2e`, so
# `pytest -m "not e2e"` is the quick run.
E2E_FOLDERS = ("e2e", "bench")
TESTS = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        parts = item.path.resolve().relative_to(TESTS).parts
        if parts[0] in E2E_FOLDERS:
            item.add_marker(pytest.mark.e2e)
