"""Shared by every test: the `e2e` marker. The shared helpers are in tests/support/ (cli.py:
``python -m warehouse`` and ``make`` against a test's own data dir, the demo's sources and
truth; marts.py: dbt builds by hand and the marts read back whole; demo_warehouse.py: the
demo warehouse built once per run; pgserver.py, postgres.py: PostgreSQL), as plain
functions rather than fixtures here, because a test calls them with its own arguments and
imports them by name, so where each comes from is one import away.

`e2e` marks every test that generates a demo, ingests it and builds the warehouse with dbt
(through the warehouse CLI, ``make`` or dbt itself), so that ``pytest -m "not e2e"`` is the
quick run: every test in tests/e2e/; elsewhere, every test using a fixture that requests
`builds_a_warehouse`, and the tests marked `e2e` in their own module."""

from __future__ import annotations

from pathlib import Path

import pytest

# folders whose every test is end to end
E2E_FOLDERS = ("e2e",)
TESTS = Path(__file__).resolve().parent


@pytest.fixture(scope="session")
def builds_a_warehouse() -> None:
    """Requested by a fixture that builds a warehouse (demo, extract, dbt build): every
    test using that fixture is marked `e2e`."""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        parts = item.path.resolve().relative_to(TESTS).parts
        if parts[0] in E2E_FOLDERS or "builds_a_warehouse" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.e2e)
