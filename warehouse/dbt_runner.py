"""dbt, run the one way the warehouse runs it (``python -m warehouse build``, ``run``,
``nightly``): its environment, a progress line instead of ~800 log lines, and a short
summary that puts warnings and failures where a person sees them.

dbt runs as a subprocess (its own process: it keeps global state and a DuckDB
connection, and a crash or a leak stays there) with ``--log-format json`` on stdout,
parsed here event by event. On a terminal one line per build is updated in place
(``dbt build: seeds 2/2, models 12/40, tests 30/300``); otherwise (cron, a log file,
a pipe) nothing but the summary is printed. Colours are off everywhere. dbt's full
log, in its own text format, stays in ``$DATA/dbt/logs/dbt.log``.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from warehouse.paths import DBT_DIR, dbt_env

# Passed to every invocation: JSON events on stdout (parsed here), dbt's usual text
# format in the log file, no ANSI colours in either.
QUIET_FLAGS = (
    "--log-format", "json", "--log-format-file", "debug",
    "--no-use-colors", "--no-use-colors-file",
)  # fmt: skip

# The stages of the progress line: FoundStats' kinds of node, and each node's type
STAGES = ("seeds", "snapshots", "models", "tests")
_STAGES = {"seeds": "seeds", "snapshots": "snapshots", "models": "models",
           "data tests": "tests", "unit tests": "tests"}  # fmt: skip
_STAGE_OF = {"seed": "seeds", "snapshot": "snapshots", "model": "models",
             "test": "tests", "unit_test": "tests"}  # fmt: skip
# With a selection, FoundStats' counts are the project's, not the run's: no stage totals
_SELECTORS = {"-s", "--select", "--exclude", "--selector", "--resource-type",
              "--exclude-resource-type"}  # fmt: skip
_FOUND = re.compile(r"(\d+) (data tests|unit tests|models|seeds|snapshots)\b")
PROGRESS_EVERY_S = 0.1  # redraw the progress line at most this often
_RESULTS = ("LogModelResult", "LogTestResult", "LogSeedResult", "LogSnapshotResult")


def dbt_executable() -> str:
    """The dbt of this Python's environment, else the one on PATH."""
    local = Path(sys.executable).parent / "dbt"
    return str(local) if local.exists() else "dbt"


def log_path(data_dir: Path) -> Path:
    return data_dir / "dbt" / "logs" / "dbt.log"


@dataclass
class DbtResult:
    """What one dbt invocation did, from its events."""

    command: str
    returncode: int = 0
    seconds: float = 0.0
    done: Counter[str] = field(default_factory=Counter)  # finished nodes per stage
    totals: dict[str, int] = field(default_factory=dict)  # nodes per stage, when known
    stats: dict[str, int] = field(default_factory=dict)  # dbt's StatsLine: pass, warn, ...
    models_built: int = 0
    problems: list[str] = field(default_factory=list)  # failed, erred and warned nodes
    notes: list[str] = field(default_factory=list)  # WARNING lines logged by the project
    errors: list[str] = field(default_factory=list)  # anything else dbt logged as an error
    failed_nodes: list[str] = field(default_factory=list)
    log_path: Path | None = None

    @property
    def ok(self) -> bool:
        return self.returncode == 0


class _Events:
    """Folds dbt's JSON events into a DbtResult and a progress line."""

    def __init__(self, result: DbtResult, counted_totals: bool):
        self.result = result
        self.counted_totals = counted_totals
        self.index, self.total = 0, 0
        self._tests: dict[str, tuple[str, int]] = {}  # test name -> (status, failures)
        self._pending: str | None = None  # "Failure in test x": its message follows

    def feed(self, line: str) -> bool:
        """Take one stdout line; True when the progress line changed."""
        try:
            event = json.loads(line)
            info, data = event["info"], event.get("data", {})
        except (ValueError, KeyError, TypeError):
            if line.strip():  # not an event (a stray print): keep it as an error line
                self.result.errors.append(line.rstrip())
            return False
        name, level, msg = info.get("name", ""), info.get("level", ""), info.get("msg", "")
        node = data.get("node_info") or {}
        r = self.result
        if name == "FoundStats" and self.counted_totals:
            for count, kind in _FOUND.findall(data.get("stat_line", "")):
                stage = _STAGES[kind]
                r.totals[stage] = r.totals.get(stage, 0) + int(count)
        elif name == "LogStartLine":
            self.total = max(self.total, int(data.get("total") or 0))
        elif name in _RESULTS or name == "SkippingDetails":
            kind = node.get("resource_type") or data.get("resource_type") or ""
            done = _STAGE_OF.get(kind)
            if done:
                r.done[done] += 1
            self.index += 1
            self.total = max(self.total, int(data.get("total") or 0))
            if kind == "model" and node.get("node_status") == "success":
                r.models_built += 1
            if name == "LogTestResult":
                self._tests[data.get("name", "")] = (
                    str(data.get("status", "")),
                    int(data.get("num_failures") or 0),
                )
            return True
        elif name == "LogNodeNoOpResult":
            self.index += 1
        elif name == "JinjaLogInfo" and msg.startswith(("WARNING ", "ERROR ")):
            word, _, rest = msg.partition(" ")  # a project test naming what it found
            r.notes.append(f"{word.lower()}: {rest.rstrip()}")
        elif name in ("RunResultFailure", "RunResultWarning"):
            self._pending = self._headline(name, data)
        elif name in ("RunResultError", "RunResultWarningMessage") and self._pending:
            r.problems.append(self._pending + _detail(msg, self._pending))
            self._pending = None
        elif name == "StatsLine":
            r.stats = {k: int(v) for k, v in (data.get("stats") or {}).items()}
        elif level == "error" and msg.strip():
            r.errors.append(msg.strip())
        elif level == "warn" and msg.strip():  # e.g. a deprecation: one line of it
            r.notes.append(f"warning: {msg.strip().splitlines()[0]}")
        return False

    def _headline(self, name: str, data: dict[str, Any]) -> str:
        node, kind = data.get("node_name", "?"), data.get("resource_type", "node")
        if name == "RunResultFailure":
            self.result.failed_nodes.append(node)
        status, failures = self._tests.get(node, ("", 0))
        if status in ("fail", "warn"):
            return f"{status.upper()} {failures} {node}"
        return f"{'ERROR' if name == 'RunResultFailure' else 'WARN'} in {kind} {node}"

    def progress(self) -> str:
        r = self.result
        parts = []
        for s in STAGES:
            if s in r.done or s in r.totals:
                total = r.totals.get(s)
                parts.append(f"{s} {r.done[s]}/{total}" if total else f"{s} {r.done[s]}")
        if not r.totals and self.total:
            parts.insert(0, f"{self.index}/{self.total} nodes")
        return f"dbt {r.command}: " + (", ".join(parts) or "starting")


def run(
    data_dir: Path,
    *args: str,
    echo: Callable[[str], None] = print,
    stream: IO[str] | None = None,
    live: bool | None = None,
    nightly_tests: bool = False,
) -> DbtResult:
    """Run ``dbt ARGS`` for the warehouse in ``data_dir``; print a progress line (on a
    terminal) and the summary through ``echo``; return what happened. `nightly_tests`:
    data tests on what the build rebuilt (the nightly refresh's, macros/nightly_tests.sql)."""
    stream = stream or sys.stdout
    if live is None:
        live = hasattr(stream, "isatty") and stream.isatty()
    command = next((a for a in args if not a.startswith("-")), "dbt")
    result = DbtResult(command=command, log_path=log_path(data_dir))
    events = _Events(result, counted_totals=not (_SELECTORS & set(args)))
    cmd = [dbt_executable(), *args, *QUIET_FLAGS]
    t0 = time.monotonic()
    shown, last = "", 0.0
    proc = subprocess.Popen(
        cmd, cwd=DBT_DIR, env=dbt_env(data_dir, nightly_tests), stdout=subprocess.PIPE, text=True,
        encoding="utf-8", errors="replace", bufsize=1,
    )  # fmt: skip
    assert proc.stdout is not None
    try:
        for line in proc.stdout:
            if events.feed(line) and live:
                now = time.monotonic()
                if now - last >= PROGRESS_EVERY_S:
                    shown, last = _redraw(stream, events.progress(), shown), now
    finally:
        result.returncode = proc.wait()
        if live and shown:
            stream.write("\r" + " " * len(shown) + "\r")
            stream.flush()
    result.seconds = time.monotonic() - t0
    for line in summary(result):
        echo(line)
    return result


def _redraw(stream: IO[str], line: str, shown: str) -> str:
    stream.write("\r" + line.ljust(len(shown)))
    stream.flush()
    return line


def summary(result: DbtResult) -> list[str]:
    """A few lines: the outcome and counts, then every failure and warning by name."""
    s = result.stats
    outcome = "ok" if result.ok else f"FAILED (exit {result.returncode})"
    counts = ", ".join(f"{n} {st}" for st in STAGES if (n := result.done.get(st)))
    head = f"dbt {result.command}: {outcome} in {result.seconds:.1f} s"
    if counts:
        head += f" ({counts})"
    if s:
        head += (
            f": {s.get('pass', 0)} passed, {s.get('warn', 0)} warned, "
            f"{s.get('error', 0)} failed, {s.get('skip', 0)} skipped"
        )
    lines = [head, *(f"  {p}" for p in result.problems), *(f"  {n}" for n in result.notes)]
    lines += [f"  {e}" for e in _dedup(result.errors) if not _known(e, result.problems)][:20]
    if result.log_path is not None and (result.problems or result.errors or not result.ok):
        lines.append(f"  full dbt log: {result.log_path}")
    return lines


def _detail(msg: str, headline: str) -> str:
    """The useful lines of an error message: not dbt's "Got 3 results" (the headline
    has the count) nor a first line that only repeats the node's name."""
    lines = [x.strip() for x in msg.splitlines() if x.strip()]
    if lines and lines[0].startswith("Got "):
        return ""
    node = headline.rsplit(" ", 1)[-1]
    if len(lines) > 1 and node in lines[0]:
        lines = lines[1:]
    return (": " + " | ".join(lines[:2])) if lines else ""


def _dedup(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _known(error: str, problems: list[str]) -> bool:
    return any(error.splitlines()[0] in p for p in problems)
