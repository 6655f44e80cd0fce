"""Run one benchmark step as a child process: wall time, peak RSS, output in a log file;
the machine a run is on, and where dbt spent its time."""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb

from warehouse.paths import REPO_ROOT, dbt_target_dir

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


def commit() -> str:
    """The checked-out commit (short), `+changes` when the work tree differs from it."""

    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=REPO_ROOT, capture_output=True, text=True,
                              check=False).stdout.strip()  # fmt: skip

    head = git("rev-parse", "--short", "HEAD") or "unknown"
    return head + ("+changes" if git("status", "--porcelain", "--untracked-files=no") else "")


def machine() -> dict:
    """The machine and software a run is on, its load average and the commit measured."""
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or "unknown",
    )
    mem_kib = next(
        int(line.split()[1])
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )
    return {
        "cpu_model": cpu,
        "cores": os.cpu_count(),
        "ram_gib": round(mem_kib / 1024**2, 1),
        "load_avg_1m_at_start": os.getloadavg()[0],
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
        "commit": commit(),
    }


def dbt_profile(wh: Path, keep_as: Path) -> dict:
    """Where dbt's last invocation spent its time (run_results.json, kept as `keep_as`):
    seconds per resource type and the slowest nodes. Node times overlap (2 threads)."""
    src = dbt_target_dir(wh) / "run_results.json"
    if not src.exists():
        return {}
    shutil.copyfile(src, keep_as)
    results = json.loads(src.read_text(encoding="utf-8"))["results"]
    by_type: dict[str, float] = {}
    for r in results:
        kind = r["unique_id"].split(".")[0]
        by_type[kind] = by_type.get(kind, 0.0) + r["execution_time"]
    slowest = sorted(results, key=lambda r: -r["execution_time"])[:10]
    return {
        "node_seconds_by_type": {k: round(v, 1) for k, v in sorted(by_type.items())},
        "slowest": [[r["unique_id"], round(r["execution_time"], 1)] for r in slowest],
    }
