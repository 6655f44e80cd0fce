"""Wall time of a nightly refresh after one new day, beside a full build of the same
history, as a ratio (issue #6; target: under 10% with 90 days of history, docs/warehouse.md).

    python -m bench.nightly [--days 90] [--calls-per-day 2000] [--slope]

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
from warehouse.paths import REPO_ROOT


def demo(src: Path, days: int, calls: int, end: dt.date, seed: int = 42) -> None:
    """Demo sources of `days` days ending on `end` (same seed and start: a run with one
    more day and a later end adds one new day and leaves the older days unchanged)."""
    subprocess.run(
        [sys.executable, "-m", "warehouse", "demo", "--days", str(days), "--calls-per-day",
         str(calls), "--end-date", end.isoformat(), "--seed", str(seed), "--out", str(src)],
        cwd=REPO_ROOT, check=True, capture_output=True,
    )  # fmt: skip


STEP = re.compile(r"^== nightly: (.+?) (?:ok|FAILED.*) \((\d+\.\d) s\)$", re.M)


def nightly(
    env: dict[str, str], *args: str, log: Path | None = None
) -> tuple[Step, dict[str, float]]:
    """`ingest nightly --no-notebooks ARGS` as a step, and its own per-step seconds."""
    step = python_step(
        " ".join(["nightly", *args]),
        ["-m", "warehouse", "nightly", "--no-notebooks", *args],
        env,
        log,
    )
    return step, {m[1]: float(m[2]) for m in STEP.finditer(step.output)}


def measure(days: int, calls_per_day: int) -> tuple[float, float, dict, dict]:
    """(full build s, nightly after one new day s, their per-step seconds) for sources of
    `days` days of history."""
    end = dt.date(2025, 6, 24)
    with tempfile.TemporaryDirectory(prefix="bench-nightly-") as tmp_s:
        tmp = Path(tmp_s)
        env = dict(
            os.environ,
            WAREHOUSE_DATA_DIR=str(tmp / "wh"),
            WAREHOUSE_SOURCES=str(tmp / "src" / "sources.toml"),
        )
        demo(tmp / "src", days, calls_per_day, end - dt.timedelta(days=1))
        full_step, full_steps = nightly(env, "--full-refresh", log=tmp / "full.log")
        # one new day at the sources (same seed and start: the older days are unchanged)
        demo(tmp / "src", days + 1, calls_per_day, end)
        incremental_step, steps = nightly(env, log=tmp / "nightly.log")
    return full_step.seconds, incremental_step.seconds, full_steps, steps


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--days", type=int, default=90)
    ap.add_argument("--calls-per-day", type=int, default=2000)
    ap.add_argument(
        "--slope",
        action="store_true",
        help="measure 30 and 90 days of history and print the history slope "
        "(nightly90 - nightly30) / (full90 - full30) (issue #18 target: <= 0.15)",
    )
    args = ap.parse_args()
    runs = [30, 90] if args.slope else [args.days]
    results = {}
    for days in runs:
        full, incremental, full_steps, steps = measure(days, args.calls_per_day)
        results[days] = (full, incremental)
        print(
            f"history: {days} days x {args.calls_per_day} calls/day (5 systems)\n"
            f"full build (nightly --full-refresh): {full:8.1f} s\n"
            f"nightly after one new day:           {incremental:8.1f} s\n"
            f"ratio: {incremental / full:.1%} (target: under 10% with 90 days)"
        )
        for name, secs in full_steps.items():
            night = steps.get(name, float("nan"))
            print(f"  {name:<18} full {secs:8.1f} s   nightly {night:8.1f} s")
    if args.slope:
        (f30, n30), (f90, n90) = results[30], results[90]
        print(
            f"history slope: (nightly90 - nightly30) / (full90 - full30) = "
            f"({n90:.1f} - {n30:.1f}) / ({f90:.1f} - {f30:.1f}) = "
            f"{(n90 - n30) / (f90 - f30):.2f} (target <= 0.15)"
        )


if __name__ == "__main__":
    main()
