"""Wall time of a nightly refresh after one new day, beside a full build of the same
history, as a ratio (issue #6; target: under 10% with 90 days of history, docs/warehouse.md),
and how both grow with the history (issue #18: the history slope).

    python -m bench.nightly [--days 90] [--calls-per-day 2000] [--seed 42] [--slope]

Both sides run the same steps (extract, dbt build with its tests, freshness included; no
notebook reports): the full side `nightly --full-refresh` over `days` days, the
incremental side `nightly` after day `days + 1` arrived at the sources. With `--slope`,
both are measured with 30 and with 90 days of history at the same calls per day, and

    history slope = (nightly@90 - nightly@30) / (full@90 - full@30)

is the share of what 60 more days of history add to a full build that the nightly pays
too (target: <= 0.15; 0 when a refresh's cost follows only the new day's rows).

Sources are cached under $WAREHOUSE_DATA_DIR/bench/sources-<days>d-<calls/day>-<seed>/
(`history/` and `next/`, as bench.scale's); each warehouse is built in a temporary folder
under $WAREHOUSE_DATA_DIR/bench and removed after. Logs and dbt's run_results.json go to
bench/logs-nightly-<...>/, the figures to bench/nightly-<...>.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import filecmp
import json
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from bench._proc import Step, dbt_profile, machine, python_step
from demo import GENERATOR_VERSION
from warehouse import paths
from warehouse.paths import REPO_ROOT

END = dt.date(2025, 6, 24)  # the new day (as bench.scale's)
SHORT, LONG = 30, 90  # days of history the slope compares
SLOPE_TARGET = 0.15
GiB = 1024**3


def demo(src: Path, days: int, calls: int, end: dt.date, seed: int = 42) -> None:
    """Demo sources of `days` days ending on `end` (same seed and start: a run with one
    more day and a later end adds one new day and leaves the older days unchanged)."""
    subprocess.run(
        [sys.executable, "-m", "warehouse", "demo", "--days", str(days), "--calls-per-day",
         str(calls), "--end-date", end.isoformat(), "--seed", str(seed), "--out", str(src)],
        cwd=REPO_ROOT, check=True, capture_output=True,
    )  # fmt: skip


def sources(
    root: Path, days: int, per_day: int, seed: int, end: dt.date, older: Path | None = None
) -> tuple[Path, bool]:
    """Demo sources in `root`, generated unless a matching set is there already. `older`:
    the sources of the day before (sources.toml), whose exported files stay as they were
    (`keep_old_files`)."""
    manifest = root / "truth" / "manifest.json"
    want = {"days": days, "calls_per_day": per_day, "end_date": end.isoformat(), "seed": seed}
    if manifest.exists():
        m = json.loads(manifest.read_text(encoding="utf-8"))
        opts = m.get("options", {})
        if (
            all(opts.get(k) == v for k, v in want.items())
            and not opts.get("bad_input")
            and m.get("generator_version") == GENERATOR_VERSION
        ):
            if older is not None:
                keep_old_files(older.parent, root)
            return root / "sources.toml", True
    demo(root, days, per_day, end, seed)
    if older is not None:
        keep_old_files(older.parent, root)
    return root / "sources.toml", False


def keep_old_files(old: Path, new: Path) -> int:
    """Exported files (the folder sources, such as otel_genai's trace files) in `new` whose
    bytes equal the same file in `old` get `old`'s modification time: the generator writes
    every day's file again, and a file with a new time looks changed to the extract, which
    reads it again in full (ingest/otlp.py), where a real source leaves its old files
    alone. Returns how many files it set."""
    kept = 0
    for folder in (d for d in new.iterdir() if d.is_dir() and d.name != "truth"):
        for path in (f for f in folder.rglob("*") if f.is_file()):
            twin = old / path.relative_to(new)
            if not twin.is_file():
                continue
            st, was = path.stat(), twin.stat()
            if st.st_mtime_ns == was.st_mtime_ns:
                continue
            if st.st_size == was.st_size and filecmp.cmp(path, twin, shallow=False):
                os.utime(path, ns=(st.st_atime_ns, was.st_mtime_ns))
                kept += 1
    return kept


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


def history_slope(full: Mapping[int, float], nightly: Mapping[int, float]) -> float | None:
    """(nightly@LONG - nightly@SHORT) / (full@LONG - full@SHORT), seconds keyed by days of
    history. None when the full build did not take longer with the longer history: then
    the run measured noise, not a slope."""
    grew = full[LONG] - full[SHORT]
    if grew <= 0:
        return None
    return (nightly[LONG] - nightly[SHORT]) / grew


@dataclass
class Run:
    """A full build over `days` days of history and the nightly after one new day."""

    days: int
    calls_per_day: int
    full: Step
    nightly: Step
    full_steps: dict[str, float]  # the command's own per-step seconds
    nightly_steps: dict[str, float]
    profiles: dict[str, dict]  # dbt node seconds of each (bench._proc.dbt_profile)

    def as_json(self) -> dict:
        return {
            "days": self.days,
            "calls_per_day": self.calls_per_day,
            "full_seconds": self.full.seconds,
            "full_max_rss_bytes": self.full.max_rss_bytes,
            "full_steps": self.full_steps,
            "nightly_seconds": self.nightly.seconds,
            "nightly_max_rss_bytes": self.nightly.max_rss_bytes,
            "nightly_steps": self.nightly_steps,
            "ratio_nightly_over_full": self.nightly.seconds / self.full.seconds,
            "dbt_profile": self.profiles,
        }


def measure(days: int, calls_per_day: int, seed: int, bench_dir: Path, logs: Path) -> Run:
    """Full build of `days` days of history, then the nightly after day `days + 1`."""
    root = bench_dir / f"sources-{days}d-{calls_per_day}-{seed}"
    print(f"  sources: {days} days x {calls_per_day:,} calls/day ...", flush=True)
    history, _ = sources(root / "history", days, calls_per_day, seed, END - dt.timedelta(days=1))
    # one new day at the sources (same seed and start: the older days are unchanged)
    next_src, _ = sources(root / "next", days + 1, calls_per_day, seed, END, older=history)
    with tempfile.TemporaryDirectory(prefix="wh-nightly-", dir=bench_dir) as wh_s:
        wh = Path(wh_s)
        env = dict(os.environ, WAREHOUSE_DATA_DIR=str(wh), WAREHOUSE_SOURCES=str(history))
        print(f"  full build, {days} days of history ...", flush=True)
        full, full_steps = nightly(env, "--full-refresh", log=logs / f"full-{days}d.log")
        profiles = {"full": dbt_profile(wh, logs / f"full-{days}d_run_results.json")}
        print(f"  nightly after one new day, {days} days of history ...", flush=True)
        env["WAREHOUSE_SOURCES"] = str(next_src)
        incremental, steps = nightly(env, log=logs / f"nightly-{days}d.log")
        profiles["nightly"] = dbt_profile(wh, logs / f"nightly-{days}d_run_results.json")
    return Run(days, calls_per_day, full, incremental, full_steps, steps, profiles)


def report(runs: list[Run], slope: float | None) -> str:
    """The figures as printed: one line per step, the per-step seconds, ratios, slope."""
    lines = [f"\n{'step':<48} {'seconds':>9} {'peak RSS':>10}"]
    for r in runs:
        history = f"{r.days} days x {r.calls_per_day:,}/day"
        for label, step in ((f"full build ({history})", r.full),
                            (f"nightly after one new day ({history})", r.nightly)):  # fmt: skip
            lines.append(f"{label:<48} {step.seconds:>9.1f} {step.max_rss_bytes / GiB:>6.2f} GiB")
        for name, secs in r.full_steps.items():
            night = r.nightly_steps.get(name, float("nan"))
            lines.append(f"    {name:<20} full {secs:7.1f} s   nightly {night:7.1f} s")
    lines.append("\nratios (same run, same machine):")
    for r in runs:
        lines.append(
            f"  nightly / full build, {r.days} days: {r.nightly.seconds / r.full.seconds:8.1%}"
            f"   (target: < 10% with 90 days)"
        )
    if len(runs) == 2:
        short, long = runs
        formula = (
            f"({long.nightly.seconds:.1f} - {short.nightly.seconds:.1f}) / "
            f"({long.full.seconds:.1f} - {short.full.seconds:.1f})"
        )
        value = (
            "not measurable (the full build did not take longer with more history)"
            if slope is None
            else f"{slope:.2f} ({'met' if slope <= SLOPE_TARGET else 'missed'})"
        )
        lines.append(
            f"  history slope: (nightly@{LONG} - nightly@{SHORT}) / (full@{LONG} - full@{SHORT})"
            f" = {formula} = {value}   (target: <= {SLOPE_TARGET})"
        )
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--days", type=int, default=90, help="days of history (without --slope)")
    ap.add_argument("--calls-per-day", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument(
        "--slope",
        action="store_true",
        help=f"measure {SHORT} and {LONG} days of history and print the history slope "
        f"(nightly@{LONG} - nightly@{SHORT}) / (full@{LONG} - full@{SHORT}) "
        f"(issue #18 target: <= {SLOPE_TARGET})",
    )
    args = ap.parse_args()
    per_day = args.calls_per_day
    bench_dir = paths.data_dir().resolve() / "bench"
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    what = "slope" if args.slope else f"{args.days}d"
    logs = bench_dir / f"logs-nightly-{what}-{per_day}-{args.seed}-{stamp}"
    logs.mkdir(parents=True, exist_ok=True)
    info = machine()
    print(
        f"bench.nightly: {what} at {per_day:,} calls/day (seed {args.seed}), commit "
        f"{info['commit']}; {info['cores']} cores, load average "
        f"{info['load_avg_1m_at_start']:.1f} at start; logs in {logs}",
        flush=True,
    )
    runs = [
        measure(days, per_day, args.seed, bench_dir, logs)
        for days in ([SHORT, LONG] if args.slope else [args.days])
    ]
    slope = (
        history_slope({r.days: r.full.seconds for r in runs},
                      {r.days: r.nightly.seconds for r in runs})
        if args.slope
        else None
    )  # fmt: skip
    result = {
        "when": stamp,
        "machine": info,
        "load_avg_1m_at_end": os.getloadavg()[0],
        "calls_per_day": per_day,
        "seed": args.seed,
        "runs": [r.as_json() for r in runs],
        "history_slope": slope,
        "history_slope_target": SLOPE_TARGET if args.slope else None,
    }
    out = bench_dir / f"nightly-{what}-{per_day}-{args.seed}-{stamp}.json"
    out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(report(runs, slope))
    print(f"\nfigures: {out}")


if __name__ == "__main__":
    main()
