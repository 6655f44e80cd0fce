"""The quality report a refresh writes shows that refresh, what failed first: its run
log is written before the reports (status so far) and replaced at its end."""

from __future__ import annotations

import html
import re

import pyarrow.parquet as pq
import pytest

from tests.support.cli import cli, demo_env, demo_sources
from warehouse.nightly import RUNLOG_DIR

pytestmark = pytest.mark.e2e


def test_report_of_a_failed_refresh_names_the_failed_source_first(tmp_path):
    src = tmp_path / "src"
    demo_sources(src, 1, 40, "2025-06-24")
    found = re.search(r"\[\[source\]\][^[]*?system = \"trip_planner\"[^[]*", (
        src / "sources.toml").read_text())  # fmt: skip
    assert found
    trips = found[0]
    missing = tmp_path / "nowhere" / "gateway.db"
    sources = tmp_path / "sources.toml"
    sources.write_text(
        trips + f'\n[[source]]\nname = "gw_broken"\nsystem = "ml_gateway"\n'
        f'url = "sqlite:///{missing}"\n'
    )
    data_dir = tmp_path / "wh"
    out = cli(demo_env(data_dir, sources), "nightly", code=1, timeout=None)
    assert "== nightly: notebooks ok" in out, out[-4000:]

    page = html.unescape((data_dir / "reports" / "quality.html").read_text())
    page = re.sub(r"\\u([0-9a-f]{4})", lambda m: chr(int(m[1], 16)), page)  # JSON in HTML
    assert "No refresh has run yet" not in page
    error = f"source gw_broken: database file not found: {missing}"
    assert error in page
    # the failures come first: before the freshness section, and the source before the step
    assert page.index(error) < page.index("Freshness per source")
    assert page.index("source <strong>gw_broken</strong>") < page.index(
        "step <strong>source freshness</strong>"
    )
    assert "demo_trip_planner" in page
    assert "still running: writing these reports" in page  # the run log so far

    # one run-log file for the refresh, replaced at its end with the final status
    files = sorted(p.name for p in (data_dir / RUNLOG_DIR).iterdir())
    assert len(files) == 2 and files[1] == "_empty.parquet", files  # no temporary file left
    rows = pq.read_table(data_dir / RUNLOG_DIR / files[0]).to_pylist()
    refresh = next(r for r in rows if r["scope"] == "refresh")
    assert refresh["status"] == "failed" and refresh["finished_at"] is not None
    assert refresh["step"] == "extract"
    steps = {r["step_name"]: r["status"] for r in rows if r["scope"] == "step"}
    # the build publishes the healthy source; the never-loaded one fails the freshness step
    assert steps == {
        "extract": "failed",
        "dbt build": "ok",
        "source freshness": "failed",
        "notebooks": "ok",
    }
    assert {r["source_name"]: r["status"] for r in rows if r["scope"] == "source"} == {
        "demo_trip_planner": "ok",
        "gw_broken": "failed",
    }
