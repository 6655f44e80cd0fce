"""deploy/: the systemd service + timer are valid units, the crontab line is well formed,
and all three run `make nightly` with the lock's wait and a log file. A failed run is
reported: the service's OnFailure= unit and the crontab's `|| deploy/notify-failure` run
the notify script, which is run here for real (fake `make`, `systemctl`, `sendmail` on
PATH; no mocks in the tests' process)."""

from __future__ import annotations

import configparser
import os
import re
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

from tests.support.cli import REPO

DEPLOY = REPO / "deploy"
SERVICE = DEPLOY / "llm-warehouse-nightly.service"
TIMER = DEPLOY / "llm-warehouse-nightly.timer"
FAILED = DEPLOY / "llm-warehouse-nightly-failed.service"
NOTIFY = DEPLOY / "notify-failure"
CHECKOUT = "/opt/llm-usage-warehouse"  # the units' and crontab's placeholder path


class _UnitParser(configparser.ConfigParser):
    def optionxform(self, optionstr: str) -> str:
        return optionstr  # systemd keys are case-sensitive


def _unit(path: Path) -> configparser.ConfigParser:
    parser = _UnitParser(strict=True, interpolation=None)
    parser.read_string(path.read_text())
    return parser


def _crontab_command() -> str:
    lines = [
        line
        for line in (DEPLOY / "crontab").read_text().splitlines()
        if line.strip() and not line.startswith("#") and "=" not in line.split()[0]
    ]
    assert len(lines) == 1
    return lines[0]


@pytest.fixture(scope="module")
def systemd_analyze() -> str:
    """systemd's own unit checker, installed here when missing (CI runs as root on Debian 12,
    as the units' target does): the units are checked by it, never skipped."""
    path = shutil.which("systemd-analyze")
    if path is None:
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
        subprocess.run(["apt-get", "install", "-y", "-qq", "systemd"], check=True, env=env)
        path = shutil.which("systemd-analyze")
    assert path, "systemd-analyze could not be installed"
    return path


def _executable(path: Path, text: str) -> Path:
    path.write_text(text)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def test_systemd_analyze_verify_is_silent(systemd_analyze: str, tmp_path: Path) -> None:
    # copies with the checkout path pointing at this checkout, so that verify also
    # checks that the failure unit's ExecStart (deploy/notify-failure) is executable
    copies = []
    for unit in (TIMER, SERVICE, FAILED):
        copy = tmp_path / unit.name
        copy.write_text(unit.read_text().replace(CHECKOUT, str(DEPLOY.parent)))
        copies.append(str(copy))
    proc = subprocess.run([systemd_analyze, "verify", *copies], capture_output=True, text=True)
    # a bad value (e.g. Type=oneshotx) is only a warning with exit 0: any output fails
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.strip() == "" and proc.stdout.strip() == ""


def test_timer_calendar_parses(systemd_analyze: str) -> None:
    on_calendar = _unit(TIMER)["Timer"]["OnCalendar"]
    proc = subprocess.run(
        [systemd_analyze, "calendar", on_calendar], capture_output=True, text=True
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
    fields = _crontab_command().split(None, 5)
    minute, hour, dom, month, dow, command = fields
    assert 0 <= int(minute) < 60 and 0 <= int(hour) < 24
    assert (dom, month, dow) == ("*", "*", "*")
    assert "make" in command and " nightly " in command and "--wait" in command
    # output to the log; a non-zero exit runs the notify script on that same log
    assert re.search(r'>> (\S+\.log) 2>&1 \|\| deploy/notify-failure cron "\$\?" \1$', command)
    assert "%" not in command  # cron turns % into a newline
    # cron mails output to MAILTO; MAILTO="" would discard the failure report
    mailto = re.findall(r"^MAILTO=(.*)$", (DEPLOY / "crontab").read_text(), re.M)
    assert len(mailto) == 1 and mailto[0].strip('"') != ""


def test_service_failure_starts_the_notify_unit():
    service, failed = _unit(SERVICE), _unit(FAILED)
    assert service["Unit"]["OnFailure"] == FAILED.name
    assert failed["Service"]["Type"] == "oneshot"
    assert failed["Service"]["User"] == service["Service"]["User"]
    exec_start = failed["Service"]["ExecStart"].split()
    assert exec_start[0] == f"{CHECKOUT}/deploy/{NOTIFY.name}"
    assert os.access(NOTIFY, os.X_OK)
    # about the nightly service, with the log the nightly service appends to
    log = service["Service"]["StandardOutput"].removeprefix("append:")
    assert exec_start[1:] == ["systemd", SERVICE.name, log]


def _notify_env(tmp_path: Path, **settings: str) -> dict[str, str]:
    """A minimal environment (like cron's) with a notify.env file holding `settings`."""
    env_file = tmp_path / "notify.env"
    env_file.write_text("".join(f"{key}='{value}'\n" for key, value in settings.items()))
    return {"PATH": f"{tmp_path / 'bin'}:/usr/bin:/bin", "HOME": str(tmp_path),
            "NOTIFY_ENV": str(env_file)}  # fmt: skip


@pytest.fixture
def log_100(tmp_path) -> Path:
    (tmp_path / "bin").mkdir()
    log = tmp_path / "nightly.log"
    log.write_text("".join(f"log line {i:03d}\n" for i in range(1, 101)))
    return log


def test_notify_failure_cron_sends_message_and_log_tail(tmp_path, log_100):
    out = tmp_path / "delivered.txt"
    env = _notify_env(
        tmp_path,
        NOTIFY_TAIL_LINES="5",
        NOTIFY_COMMAND=f'{{ echo "subject: $NOTIFY_SUBJECT"; cat; }} > {out}',
    )
    proc = subprocess.run([str(NOTIFY), "cron", "7", str(log_100)],
                          capture_output=True, text=True, env=env)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    first, *rest = proc.stdout.splitlines()
    assert "nightly refresh failed" in first and "exit status 7" in first
    assert rest[-5:] == [f"log line {i:03d}" for i in range(96, 101)]
    assert "log line 095" not in proc.stdout
    # the command got the same report on stdin and the first line as its subject
    assert out.read_text() == f"subject: {first}\n{proc.stdout}"


def test_notify_failure_systemd_mails_unit_status(tmp_path, log_100):
    mail = tmp_path / "mail.txt"
    _executable(tmp_path / "bin" / "systemctl", '#!/bin/sh\necho "fake systemctl $*"\nexit 3\n')
    _executable(tmp_path / "bin" / "sendmail", f'#!/bin/sh\n{{ echo "args: $*"; cat; }} > {mail}\n')
    env = _notify_env(tmp_path, NOTIFY_MAILTO="ops@example.org") | {
        # what systemd sets for a unit started through OnFailure=
        "MONITOR_SERVICE_RESULT": "exit-code",
        "MONITOR_EXIT_CODE": "exited",
        "MONITOR_EXIT_STATUS": "2",
        "MONITOR_INVOCATION_ID": "abc123",
    }
    proc = subprocess.run([str(NOTIFY), "systemd", "nightly-x.service", str(log_100)],
                          capture_output=True, text=True, env=env)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "nightly refresh failed" in proc.stdout and "unit nightly-x.service" in proc.stdout
    assert "result: exit-code, exited 2 (invocation abc123)" in proc.stdout
    assert re.search(r"^fake systemctl status .*nightly-x\.service$", proc.stdout, re.M)
    assert proc.stdout.rstrip().endswith("log line 100")
    sent = mail.read_text()
    assert sent.startswith("args: -t -i\nTo: ops@example.org\nSubject: llm-warehouse: ")
    assert sent.endswith(f"\n\n{proc.stdout}")  # headers, blank line, the report


def test_notify_failure_reports_a_failed_delivery(tmp_path):
    (tmp_path / "bin").mkdir()
    env = _notify_env(tmp_path, NOTIFY_COMMAND="cat > /dev/null; exit 5")
    missing_log = tmp_path / "no.log"
    proc = subprocess.run([str(NOTIFY), "cron", "2", str(missing_log)],
                          capture_output=True, text=True, env=env)  # fmt: skip
    assert proc.returncode == 1
    assert "NOTIFY_COMMAND exited 5" in proc.stderr
    assert f"no readable log at {missing_log}" in proc.stdout  # still reported
    bad = subprocess.run([str(NOTIFY), "cron"], capture_output=True, text=True, env=env)
    assert bad.returncode == 64 and "usage" in bad.stderr and bad.stdout == ""


@pytest.mark.parametrize("make_status", [0, 2])
def test_crontab_command_prints_only_on_failure(tmp_path, make_status):
    """The crontab's command line as cron runs it (/bin/sh -c), with this checkout, a
    temporary data dir and a fake `make` that logs its arguments and exits make_status."""
    command = _crontab_command().split(None, 5)[5]
    cd, data = re.match(r"cd (\S+) && ", command), re.search(r"WAREHOUSE_DATA_DIR=(\S+) ", command)
    assert cd and data, command
    checkout, data_dir = cd.group(1), data.group(1)
    assert checkout == CHECKOUT
    command = command.replace(checkout, str(DEPLOY.parent)).replace(data_dir, str(tmp_path))
    (tmp_path / "bin").mkdir()
    _executable(
        tmp_path / "bin" / "make",
        f'#!/bin/sh\necho "fake make $* data=$WAREHOUSE_DATA_DIR"\n'
        f'echo "fake make stderr" >&2\nexit {make_status}\n',
    )
    env = _notify_env(tmp_path, NOTIFY_TAIL_LINES="3")
    log = tmp_path / "nightly.log"
    log.write_text("earlier night\n")
    proc = subprocess.run(["/bin/sh", "-c", command], capture_output=True, text=True, env=env)
    made = f"fake make --no-print-directory nightly NIGHTLY_ARGS=--wait 1800 data={tmp_path}"
    assert log.read_text() == f"earlier night\n{made}\nfake make stderr\n"  # appended
    assert proc.stderr == ""
    if make_status == 0:
        assert proc.returncode == 0
        assert proc.stdout == ""  # cron mails nothing
    else:
        assert proc.returncode == 0  # the report was made
        first, *rest = proc.stdout.splitlines()
        assert f"exit status {make_status}" in first
        assert rest[-3:] == ["earlier night", made, "fake make stderr"]
