"""The notebooks' smoke tests: lint, run as a script, export to HTML, and one headline figure
checked against numbers computed by hand from a small fixture warehouse."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from types import ModuleType

import altair as alt
import duckdb
import pytest

from ingest import reports
from ingest.reports import export_notebooks, notebook_paths

REPO_ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = REPO_ROOT / "notebooks" / "usage_overview.py"

MARTS_DDL = [
    "create schema marts",
    """
    create table marts.daily_usage (
        usage_date date, source_system varchar, source_name varchar,
        tenant_id varchar, user_id varchar, provider varchar, model varchar,
        requests bigint, errors bigint, input_tokens bigint, output_tokens bigint,
        total_tokens bigint, cost_usd decimal(18, 10), unpriced_requests bigint
    )
    """,
    """
    create table marts.model_costs (
        usage_date date, provider varchar, model varchar, requests bigint,
        input_tokens bigint, output_tokens bigint, total_tokens bigint,
        cost_usd decimal(18, 10), cost_per_1k_requests decimal(18, 10),
        share_of_day_cost double
    )
    """,
    """
    create table marts.latency_percentiles (
        usage_date date, source_system varchar, source_name varchar,
        provider varchar, model varchar, requests_with_latency bigint,
        p50_ms double, p90_ms double, p95_ms double, p99_ms double, max_ms double
    )
    """,
]

# Three days, two sources, three models; llama3 has no price (NULL cost, never 0).
DAILY_USAGE_ROWS = [
    ("2026-11-01", "trip_planner", "prod", "t1", "u1", "openai", "gpt-4o",
     10, 1, 1000, 500, 1500, Decimal("0.0125"), 0),
    ("2026-11-02", "trip_planner", "prod", "t1", "u2", "anthropic", "claude-sonnet-4",
     5, 0, 800, 200, 1000, Decimal("0.0054"), 0),
    ("2026-11-02", "ml_gateway", "local", None, None, "ollama", "llama3",
     7, 2, 700, 300, 1000, None, 7),
    ("2026-11-03", "text2sql", "prod", "t2", "u3", "openai", "gpt-4o",
     4, 0, 400, 100, 500, Decimal("0.0200"), 0),
]  # fmt: skip
LATENCY_ROWS = [
    ("2026-11-01", "trip_planner", "prod", "openai", "gpt-4o", 10, 100, 200, 250, 300, 400),
    ("2026-11-02", "trip_planner", "prod", "anthropic", "claude-sonnet-4",
     5, 120, 220, 260, 310, 410),
    ("2026-11-03", "text2sql", "prod", "openai", "gpt-4o", 4, 90, 150, 180, 190, 200),
]  # fmt: skip
# By hand from the rows above: priced cost 0.0125 + 0.0054 + 0.0200; llama3 adds nothing.
EXPECTED_TOTAL_COST_USD = Decimal("0.0379")
EXPECTED_REQUESTS = 10 + 5 + 7 + 4
EXPECTED_UNPRICED_REQUESTS = 7


def _build_warehouse(data_dir: Path, *, with_rows: bool) -> Path:
    data_dir.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(data_dir / "warehouse.duckdb"))
    try:
        for ddl in MARTS_DDL:
            con.execute(ddl)
        if with_rows:
            con.executemany(
                f"insert into marts.daily_usage values ({', '.join('?' * 14)})",
                DAILY_USAGE_ROWS,
            )
            con.executemany(
                f"insert into marts.latency_percentiles values ({', '.join('?' * 11)})",
                LATENCY_ROWS,
            )
    finally:
        con.close()
    return data_dir


@pytest.fixture(scope="module")
def warehouse_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _build_warehouse(tmp_path_factory.mktemp("warehouse"), with_rows=True)


@pytest.fixture(scope="module")
def empty_warehouse_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _build_warehouse(tmp_path_factory.mktemp("empty_warehouse"), with_rows=False)


def _load_notebook() -> ModuleType:
    spec = importlib.util.spec_from_file_location("usage_overview_under_test", NOTEBOOK)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _run_notebook(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[list, dict]:
    monkeypatch.setenv("WAREHOUSE_DATA_DIR", str(data_dir))
    outputs, defs = _load_notebook().app.run()
    return list(outputs), dict(defs)


def _assert_charts_serialise(outputs: list) -> None:
    """What marimo's export does with a chart; a Decimal column, say, fails here."""
    charts = [o for o in outputs if isinstance(o, alt.TopLevelMixin)]
    assert len(charts) == 3
    for chart in charts:
        chart.to_json()


def test_marimo_check() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "marimo", "check", "--strict", str(NOTEBOOK)],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_runs_as_script(warehouse_dir: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(NOTEBOOK)],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        env={**os.environ, "WAREHOUSE_DATA_DIR": str(warehouse_dir)},
    )
    assert result.returncode == 0, result.stderr


def test_headline_figures_match_hand_computed(
    warehouse_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    outputs, defs = _run_notebook(warehouse_dir, monkeypatch)

    assert defs["total_cost_usd"] == EXPECTED_TOTAL_COST_USD
    assert defs["total_requests"] == EXPECTED_REQUESTS
    assert defs["total_unpriced_requests"] == EXPECTED_UNPRICED_REQUESTS
    costs = dict(defs["model_totals"].select("model", "cost_usd").iter_rows())
    assert costs["llama3"] is None  # unknown, not $0
    assert costs["gpt-4o"] == Decimal("0.0325")
    assert defs["usd"](None) == "unknown"
    _assert_charts_serialise(outputs)


def test_empty_warehouse_does_not_crash(
    empty_warehouse_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    outputs, defs = _run_notebook(empty_warehouse_dir, monkeypatch)

    assert defs["total_cost_usd"] is None
    assert defs["total_requests"] == 0
    _assert_charts_serialise(outputs)


def test_default_notebooks_include_usage_overview() -> None:
    assert NOTEBOOK in notebook_paths()


def test_export_notebooks_writes_html(warehouse_dir: Path) -> None:
    # Named explicitly: other notebooks need marts this fixture does not build.
    paths = export_notebooks(warehouse_dir, ["usage_overview"])

    report = warehouse_dir / "reports" / "usage_overview.html"
    assert paths == [report]
    html = report.read_text()
    assert html.count("vnd.vegalite") >= 3  # the three charts made it into the page
    assert [p.name for p in report.parent.iterdir()] == ["usage_overview.html"]  # no temp


@pytest.mark.parametrize(
    ("returncode", "stderr", "message"),
    [
        (1, "FileNotFoundError: No warehouse at /x\nnanobind: leaked 2 types!", "No warehouse at"),
        (0, "Failed to get mimebundle from chart: Decimal", "a chart could not be rendered"),
    ],
)
def test_export_failure_names_the_notebook(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, returncode: int, stderr: str, message: str
) -> None:
    # marimo itself is stubbed: a real failing export costs ~10 s and shows nothing more.
    def fake_export(notebook: Path, output: Path, env: dict[str, str]):
        output.write_text("<html>half</html>")
        return subprocess.CompletedProcess([], returncode, stdout="", stderr=stderr)

    monkeypatch.setattr(reports, "_run_export", fake_export)
    with pytest.raises(RuntimeError, match=r"usage_overview\.py") as raised:
        export_notebooks(tmp_path, ["usage_overview"])
    assert message in str(raised.value)
    assert "nanobind" not in str(raised.value)
    assert list((tmp_path / "reports").iterdir()) == []  # nothing half-written left
