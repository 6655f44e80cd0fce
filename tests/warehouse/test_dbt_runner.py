"""warehouse/dbt_runner.py against a stand-in dbt that prints recorded JSON events: the
progress line is updated in place on a terminal and absent otherwise, and the summary
names failures and warnings. (The real dbt: tests/e2e/test_commands.py.)"""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest

from warehouse import dbt_runner


def _event(event: str, level: str = "info", msg: str = "", **data) -> str:
    return json.dumps({"info": {"name": event, "level": level, "msg": msg}, "data": data})


def _node(kind: str, name: str, status: str = "success") -> dict:
    return {"resource_type": kind, "node_name": name, "node_status": status}


EVENTS = [
    _event("MainReportVersion", msg="Running with dbt=1.11.16"),
    _event("FoundStats", stat_line="2 models, 2 data tests, 1 seeds, 3 sources, 1 unit tests"),
    _event("LogStartLine", index=1, total=6),
    _event("LogSeedResult", index=1, total=6, status="success", node_info=_node("seed", "p")),
    _event("LogModelResult", index=2, total=6, status="OK", node_info=_node("model", "a")),
    _event(
        "LogModelResult",
        "error",
        index=3,
        total=6,
        status="ERROR",
        node_info=_node("model", "b", "error"),
    ),
    _event(
        "LogTestResult",
        index=4,
        total=6,
        name="unique_a_id",
        status="pass",
        num_failures=0,
        node_info=_node("test", "unique_a_id", "pass"),
    ),
    _event("JinjaLogInfo", msg="WARNING unpriced model: acme-llm-7b in gw (2 calls)"),
    _event(
        "LogTestResult",
        "warn",
        index=5,
        total=6,
        name="warn_unpriced_models",
        status="warn",
        num_failures=2,
        node_info=_node("test", "warn_unpriced_models", "warn"),
    ),
    _event("SkippingDetails", index=6, total=6, node_name="c", resource_type="unit_test"),
    _event("RunResultFailure", "error", node_name="b", resource_type="model"),
    _event(
        "RunResultError",
        "error",
        msg="Runtime Error in model b (models/b.sql)\n  Binder Error: column x not found",
    ),
    _event("RunResultWarning", "warn", node_name="warn_unpriced_models", resource_type="test"),
    _event("RunResultWarningMessage", "warn", msg="Got 2 results, configured to warn if != 0"),
    _event("StatsLine", stats={"pass": 3, "warn": 1, "error": 1, "skip": 1, "total": 6}),
]


@pytest.fixture
def fake_dbt(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A `dbt` that prints EVENTS as dbt --log-format json does, then exits 1."""
    events = tmp_path / "events.jsonl"
    events.write_text("\n".join(EVENTS) + "\n")
    exe = tmp_path / "dbt"
    exe.write_text(
        f"#!{sys.executable}\nimport sys\n"
        f"assert '--no-use-colors' in sys.argv and 'json' in sys.argv\n"
        f"sys.stdout.write(open({str(events)!r}).read())\nsys.exit(1)\n"
    )
    exe.chmod(0o755)
    monkeypatch.setattr(dbt_runner, "dbt_executable", lambda: str(exe))
    return tmp_path


def test_summary_names_failures_and_warnings(fake_dbt: Path) -> None:
    lines: list[str] = []
    stream = io.StringIO()  # not a terminal: no progress line at all
    result = dbt_runner.run(fake_dbt, "build", echo=lines.append, stream=stream)
    assert stream.getvalue() == ""
    assert not result.ok and result.returncode == 1
    assert result.models_built == 1 and result.failed_nodes == ["b"]
    assert lines[0].startswith("dbt build: FAILED (exit 1) in ")
    assert "(1 seeds, 2 models, 3 tests): 3 passed, 1 warned, 1 failed, 1 skipped" in lines[0]
    assert lines[1:] == [
        "  ERROR in model b: Binder Error: column x not found",
        "  WARN 2 warn_unpriced_models",
        "  warning: unpriced model: acme-llm-7b in gw (2 calls)",
        f"  full dbt log: {fake_dbt / 'dbt' / 'logs' / 'dbt.log'}",
    ]


def test_progress_is_one_line_updated_in_place_on_a_terminal(
    fake_dbt: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(dbt_runner, "PROGRESS_EVERY_S", 0.0)  # every event redraws
    stream = io.StringIO()
    dbt_runner.run(fake_dbt, "build", echo=lambda _: None, stream=stream, live=True)
    out = stream.getvalue()
    assert "\n" not in out and "\x1b" not in out
    frames = [f.strip() for f in out.split("\r") if f.strip()]
    assert frames[0] == "dbt build: seeds 1/1, models 0/2, tests 0/3"
    assert frames[-1] == "dbt build: seeds 1/1, models 2/2, tests 3/3"
    assert out.endswith("\r")  # the line is cleared before the summary


def test_progress_without_stage_totals_when_a_selection_is_given() -> None:
    result = dbt_runner.DbtResult("run")
    events = dbt_runner._Events(result, counted_totals=False)
    for line in EVENTS[:5]:
        events.feed(line)
    assert events.progress() == "dbt run: 2/6 nodes, seeds 1, models 1"
