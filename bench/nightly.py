"""Wall time of a nightly refresh after one new day, beside a full build of the same
history, as a ratio (issue #6; SPEC §7 target: under 10% with 90 days of history).

    python -m bench.nightly [--days 90] [--calls-per-day 2000]

Both sides run the same steps (extract, dbt build with its tests, freshness included; no
notebook reports): the full side `nightly --full-refresh` over `days` days, the
incremental side `nightly` after day `days + 1` arrived at the sources.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from bench._proc import Step, python_step
from ingest.config import REPO_ROOT


def demo(src: Path, days: int, calls: int, end: dt.date, seed: int = 42) -> None:
    """Demo sources of `days` days ending on `end` (same seed and start: a run with one
    more day and a later end adds one new day and leaves the older days unchanged)."""
    subprocess.run(
        [sys.executable, "-m", "ingest", "demo", "--days", str(days), "--calls-per-day",
         str(calls), "--end-date", end.isoformat(), "--seed", str(seed), "--out", str(src)],
        cwd=REPO_ROOT, check=True, capture_output=True,
    )  # fmt: skip


STEP = re.compile(r"^== nightly: (.+?) (?:ok|FAILED.*) \((\d+\.\d) s\)$", re.M)


def nightly(
    env: dict[str, str], *args: str, log: Path | None = None
) -> tuple[Step, dict[str, float]]:
    """`ingest nightly --no-notebooks ARGS` as a step, and its own per-step seconds."""
    step = python_step(
        " ".join(["nightly", *args]), ["-m", "ingest", "nightly", "--no-notebooks", *args], env, log
    )
    return step, {m[1]: float(m[2]) for m in STEP.finditer(step.output)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--days", type=int, default=90)
    ap.add_argument("--calls-per-day", type=int, default=2000)
    args = ap.parse_args()
    end = dt.date(2025, 6, 24)
    with tempfile.TemporaryDirectory(prefix="bench-nightly-") as tmp_s:
        tmp = Path(tmp_s)
        env = dict(
            os.environ,
            WAREHOUSE_DATA_DIR=str(tmp / "wh"),
            WAREHOUSE_SOURCES=str(tmp / "src" / "sources.toml"),
        )
        demo(tmp / "src", args.days, args.calls_per_day, end - dt.timedelta(days=1))
        full_step, full_steps = nightly(env, "--full-refresh", log=tmp / "full.log")
        # one new day at the sources (same seed and start: the older days are unchanged)
        demo(tmp / "src", args.days + 1, args.calls_per_day, end)
        incremental_step, steps = nightly(env, log=tmp / "nightly.log")
        full, incremental = full_step.seconds, incremental_step.seconds
    print(
        f"history: {args.days} days x {args.calls_per_day} calls/day (5 systems)\n"
        f"full build (nightly --full-refresh): {full:8.1f} s\n"
        f"nightly after one new day:           {incremental:8.1f} s\n"
        f"ratio: {incremental / full:.1%} (SPEC §7 target: under 10% with 90 days)"
    )
    for name, secs in full_steps.items():
        print(f"  {name:<18} full {secs:8.1f} s   nightly {steps.get(name, float('nan')):8.1f} s")


if __name__ == "__main__":
    main()
