"""Run one benchmark step as a child process: wall time, peak RSS, output in a log file."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from warehouse.paths import REPO_ROOT

HEARTBEAT_S = 60  # not on a terminal: one line a minute while a step runs


@dataclass
class Step:
    name: str
    seconds: float
    max_rss_bytes: int  # the largest single process of the step's tree (ru_maxrss)
    returncode: int
    output: str


def run_step(
    name: str, cmd: list[str], env: dict[str, str], log: Path | None = None, cwd: Path = REPO_ROOT
) -> Step:
    """Run `cmd`, wait for it with os.wait4 (rusage of the child and its waited-for
    descendants: ru_maxrss is the peak of the largest one, not a sum), and show quiet
    progress: a live elapsed counter on a terminal, a heartbeat line per minute otherwise."""
    log = log or Path(os.devnull)
    tty = sys.stdout.isatty()
    with open(log, "w", encoding="utf-8") as out:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)
        next_beat = HEARTBEAT_S
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            elapsed = time.perf_counter() - t0
            if tty:
                print(f"\r  {name}: {elapsed:6.0f} s", end="", flush=True)
            elif elapsed >= next_beat:
                print(f"  {name}: still running ({elapsed:.0f} s)", flush=True)
                next_beat += HEARTBEAT_S
            time.sleep(0.1)
        seconds = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
    if tty:
        print("\r" + " " * 40 + "\r", end="", flush=True)
    text = "" if log == Path(os.devnull) else log.read_text(encoding="utf-8", errors="replace")
    return Step(name, seconds, usage.ru_maxrss * 1024, proc.returncode, text)


def python_step(name: str, args: list[str], env: dict[str, str], log: Path | None = None) -> Step:
    """`python -m ...` as a step; exits with the step's log tail when it fails."""
    step = run_step(name, [sys.executable, *args], env, log)
    if step.returncode != 0:
        sys.exit(f"{name} failed (exit {step.returncode}); log {log}:\n{step.output[-4000:]}")
    return step
