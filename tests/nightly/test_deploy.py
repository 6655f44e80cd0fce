"""deploy/: the systemd service + timer are valid units, the crontab line is well formed,
and all three run `make nightly` with the lock's wait and a log file."""

from __future__ import annotations

import configparser
import re
import shutil
import subprocess
from pathlib import Path

import pytest

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
SERVICE = DEPLOY / "llm-warehouse-nightly.service"
TIMER = DEPLOY / "llm-warehouse-nightly.timer"


def _unit(path: Path) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=True, interpolation=None)
    parser.optionxform = str  # systemd keys are case-sensitive
    parser.read_string(path.read_text())
    return parser


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze")
def test_systemd_analyze_verify_is_silent():
    proc = subprocess.run(
        ["systemd-analyze", "verify", str(TIMER), str(SERVICE)],
        capture_output=True, text=True,
    )  # fmt: skip
    # a bad value (e.g. Type=oneshotx) is only a warning with exit 0: any output fails
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.strip() == "" and proc.stdout.strip() == ""


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze")
def test_timer_calendar_parses():
    on_calendar = _unit(TIMER)["Timer"]["OnCalendar"]
    proc = subprocess.run(
        ["systemd-analyze", "calendar", on_calendar], capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr
    assert "03:15:00" in proc.stdout


def test_service_and_timer_fit_together():
    service, timer = _unit(SERVICE), _unit(TIMER)
    assert service["Service"]["Type"] == "oneshot"
    exec_start = service["Service"]["ExecStart"]
    assert re.search(r"\bmake\b.* nightly\b", exec_start)
    assert "--wait" in exec_start
    assert service["Service"]["StandardOutput"].startswith("append:")
    assert service["Service"]["StandardError"] == service["Service"]["StandardOutput"]
    assert "WAREHOUSE_DATA_DIR=" in service["Service"]["Environment"]
    assert timer["Timer"]["Unit"] == SERVICE.name
    assert timer["Timer"]["Persistent"] == "true"
    assert timer["Install"]["WantedBy"] == "timers.target"


def test_crontab_line():
    lines = [
        line
        for line in (DEPLOY / "crontab").read_text().splitlines()
        if line.strip() and not line.startswith("#") and "=" not in line.split()[0]
    ]
    assert len(lines) == 1
    fields = lines[0].split(None, 5)
    minute, hour, dom, month, dow, command = fields
    assert 0 <= int(minute) < 60 and 0 <= int(hour) < 24
    assert (dom, month, dow) == ("*", "*", "*")
    assert "make" in command and " nightly " in command and "--wait" in command
    assert re.search(r">> \S+\.log 2>&1$", command)
    assert "%" not in command  # cron turns % into a newline
