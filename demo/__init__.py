"""Deterministic demo data: five source databases shaped like the seeds, a folder of
OpenTelemetry trace exports (otel_genai), plus ground truth.

Contract: docs/demo_sources.md. ``generate(out_dir, DemoOptions(...))`` writes

    out_dir/{ai_process_log,trip_planner,text2sql,instagram_feed,ml_gateway}.db
    out_dir/otel_genai/           OTLP/JSON exports (demo/_otel_genai.py)
    out_dir/sources.toml
    out_dir/truth/generations.parquet
    out_dir/truth/{otel_calls,otel_steps,feed_copies}.parquet   per-system truth
    out_dir/truth/manifest.json

Same options (the end date included: it defaults to yesterday, UTC) -> byte-identical
truth Parquet and identical database contents. The folder is
built next to out_dir and swapped in by rename. Calls are generated one UTC day at a time
(numpy-vectorised inside a day), so memory stays bounded for large runs.
"""

from __future__ import annotations

import dataclasses
import datetime
import importlib
import json
import os
import pathlib
import shutil
import subprocess
import sys
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from ingest.systems import SYSTEMS as DECLARED_SYSTEMS

from . import _instagram_feed, _otel_genai, _texts
from ._util import TRUTH_SCHEMA, US_PER_DAY, DbWriter

__all__ = [
    "ERROR_CAUSES",
    "SHARES",
    "SYSTEMS",
    "DemoOptions",
    "daily_counts",
    "generate",
    "options_from_manifest",
    "yesterday_utc",
]

# every declared source system's generator, demo/_<system>.py, in the declaration's order
# (each system's random stream is its index there)
GENERATORS: dict[str, Any] = {
    name: importlib.import_module(f"demo._{name}") for name in DECLARED_SYSTEMS
}
# the systems written as a database (TABLES, a Generator over a DbWriter), sharing
# calls_per_day: system -> generator module, with its SHARE of the calls in percent and
# the TIMEZONE written to sources.toml. The others write a folder of exports
# (otel_genai), extra to calls_per_day.
SYSTEMS: dict[str, Any] = {name: m for name, m in GENERATORS.items() if hasattr(m, "TABLES")}
SHARES = {name: m.SHARE for name, m in SYSTEMS.items()}
# every error message the generators write -> why the call failed (generations.error_class)
ERROR_CAUSES: dict[str, str] = {
    **_texts.ERROR_CAUSES,
    **{k: v for m in GENERATORS.values() for k, v in getattr(m, "ERROR_CAUSES", {}).items()},
}
# 2: instagram_feed usage details; o4-mini, fine-tune, HCX-003
# 3: trip_planner's llama3.2:latest; instagram_feed's claude-3-5-haiku-20241022
# 4: text2sql quota bursts, counter drift and planted SQL (joins, DML, DDL, unparseable)
# 5: instagram_feed copies restyled, in English and Japanese (truth/feed_copies.parquet)
# 6: instagram_feed's Claude responses in Anthropic's shape: cache reads, 5-minute and
#    1-hour cache writes, batch calls
GENERATOR_VERSION = 6
_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
# below this many calls, worker processes cost more than they save
_PARALLEL_MIN_CALLS = 200_000
_DEMO_FILES = {f"{s}.db" for s in SYSTEMS} | {
    "sources.toml",
    "truth",
    "exports",
    _otel_genai.FOLDER,
}


def yesterday_utc() -> datetime.date:
    """The default last day of the demo: the UTC day before today."""
    return datetime.datetime.now(datetime.UTC).date() - datetime.timedelta(days=1)


@dataclass(frozen=True)
class DemoOptions:
    days: int = 30
    calls_per_day: int = 500  # all five systems together
    # last UTC day generated; default yesterday (UTC), so "last week" has rows
    end_date: datetime.date = dataclasses.field(default_factory=lambda: yesterday_utc())
    seed: int = 42
    bad_input: bool = False  # plant demo/bad_input.py's CATALOGUE

    def __post_init__(self) -> None:
        if isinstance(self.end_date, str):  # CLI / JSON convenience
            object.__setattr__(self, "end_date", datetime.date.fromisoformat(self.end_date))
        if isinstance(self.end_date, datetime.datetime):
            object.__setattr__(self, "end_date", self.end_date.date())
        if self.days < 1:
            raise ValueError("days must be >= 1")
        if self.calls_per_day < 0:
            raise ValueError("calls_per_day must be >= 0")
        if self.seed < 0:
            raise ValueError("seed must be >= 0")

    @property
    def start_date(self) -> datetime.date:
        return self.end_date - datetime.timedelta(days=self.days - 1)


def daily_counts(calls_per_day: int) -> dict[str, int]:
    """Calls per system in one day: largest-remainder split of calls_per_day by SHARES.

    Ties in the remainder go to the system listed first, so totals are exact and stable.
    """
    total = sum(SHARES.values())
    base = {s: calls_per_day * p // total for s, p in SHARES.items()}
    rem = {s: calls_per_day * p % total for s, p in SHARES.items()}
    left = calls_per_day - sum(base.values())
    order = sorted(SHARES, key=lambda s: (-rem[s], list(SHARES).index(s)))
    for s in order[:left]:
        base[s] += 1
    return base


def _sources_toml(final_dir: pathlib.Path) -> str:
    parts = []
    for system, module in SYSTEMS.items():
        tz = module.TIMEZONE
        path = (final_dir / f"{system}.db").as_posix()
        parts.append(
            "[[source]]\n"
            f'name = "demo_{system}"\n'
            f'system = "{system}"\n'
            f'url = "sqlite:///{path}"\n'
            f'timezone = "{tz}"\n'
        )
    parts.append(
        "[[source]]\n"
        f'name = "{_otel_genai.SOURCE}"\n'
        f'system = "{_otel_genai.SYSTEM}"\n'
        f'url = "{(final_dir / _otel_genai.FOLDER).as_posix()}"\n'
    )
    return "# Written by `python -m warehouse demo`; regenerated on every run.\n\n" + "\n".join(
        parts
    )


def _run_otel(tmp: pathlib.Path, options: DemoOptions) -> tuple[pa.Table, pa.Table, dict[str, int]]:
    """The otel_genai export folder and its truth (calls; steps in truth/otel_steps.parquet),
    from the seed's child after the five systems', so theirs do not change; the planted
    long-context calls from the next child, so the other calls do not change either."""
    seeds = np.random.SeedSequence(options.seed).spawn(len(SYSTEMS) + 2)
    gen = _otel_genai.Generator(
        tmp / _otel_genai.FOLDER,
        np.random.default_rng(seeds[len(SYSTEMS)]),
        plant_rng=np.random.default_rng(seeds[len(SYSTEMS) + 1]),
    )
    n = _otel_genai.calls_per_day(options.calls_per_day)
    start_us = _epoch_us(options.start_date)
    for d in range(options.days):
        gen.day(d, start_us + d * US_PER_DAY, n)
    pq.write_table(gen.calls_table(), tmp / ".otel-calls.parquet", compression="zstd")
    return gen.truth_table(), gen.steps_table(), gen.counts


def _check_replaceable(out_dir: pathlib.Path) -> None:
    """Refuse to replace a folder that is not a demo folder (guards against --out ~)."""
    if not out_dir.exists():
        return
    if not out_dir.is_dir():
        raise FileExistsError(f"{out_dir} exists and is not a directory")
    names = {p.name for p in out_dir.iterdir()}
    if names and not names <= _DEMO_FILES:
        raise FileExistsError(
            f"{out_dir} holds files that are not demo output ({sorted(names - _DEMO_FILES)[:5]}); "
            "refusing to replace it"
        )


def _epoch_us(day: datetime.date) -> int:
    delta = datetime.datetime.combine(day, datetime.time(), datetime.UTC) - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000


def _run_system(system: str, tmp: pathlib.Path, options: DemoOptions) -> dict[str, int]:
    """Write one system's database and its truth part (Arrow IPC file); return row counts.

    Each system draws from its own child of SeedSequence(seed), so systems can run in any
    order or in parallel processes with identical results.
    """
    module = SYSTEMS[system]
    seed = np.random.SeedSequence(options.seed).spawn(len(SYSTEMS))[list(SYSTEMS).index(system)]
    n = daily_counts(options.calls_per_day)[system]
    start_us = _epoch_us(options.start_date)
    writer = DbWriter(str(tmp / f"{system}.db"), module.TABLES)
    gen = module.Generator(writer, np.random.default_rng(seed), options=options, start_us=start_us)
    gen.setup()
    path = str(tmp / f".truth-{system}.arrow")
    with pa.OSFile(path, "wb") as sink, pa.ipc.new_file(sink, TRUTH_SCHEMA) as ipc:
        for d in range(options.days if n else 0):
            ipc.write_table(gen.day(start_us + d * US_PER_DAY, n))
    gen.finish()
    writer.close()
    return dict(sorted(writer.counts.items()))


def _run_parallel(tmp: pathlib.Path, options: DemoOptions, workers: int) -> dict:
    """Run _run_system for every system in `workers` subprocesses (python -m ...._worker).

    Subprocesses rather than multiprocessing: no fork after polars started its threads, and
    no re-import of the caller's __main__ (which breaks scripts without a main guard).
    """
    counts = daily_counts(options.calls_per_day)
    todo = sorted(SYSTEMS, key=lambda s: -counts[s] * SYSTEMS[s].COST_WEIGHT)  # biggest first
    opts = json.dumps(
        {
            "days": options.days,
            "calls_per_day": options.calls_per_day,
            "end_date": options.end_date.isoformat(),
            "seed": options.seed,
        }
    )
    env = dict(os.environ)  # the project is installed (pip install -e .): demo imports
    running: list[tuple[str, subprocess.Popen]] = []
    failed: list[str] = []
    while todo or running:
        while todo and len(running) < workers and not failed:
            system = todo.pop(0)
            cmd = [sys.executable, "-m", "demo._worker", system, str(tmp), opts]
            proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            running.append((system, proc))
        system, proc = running.pop(0)
        _, err = proc.communicate()
        if proc.returncode:
            failed.append(f"{system}: exit {proc.returncode}\n{err.decode(errors='replace')}")
        if failed:
            todo.clear()
    if failed:
        raise RuntimeError("demo generation failed in a worker:\n" + "\n".join(failed))
    return {s: json.loads((tmp / f".counts-{s}.json").read_text(encoding="utf-8")) for s in SYSTEMS}


def _generate_into(
    tmp: pathlib.Path, final_dir: pathlib.Path, options: DemoOptions, workers: int
) -> dict:
    counts = daily_counts(options.calls_per_day)
    if workers <= 1:
        row_counts = {s: _run_system(s, tmp, options) for s in SYSTEMS}
    else:
        row_counts = _run_parallel(tmp, options, workers)
    row_counts = {f"demo_{s}": c for s, c in row_counts.items()}

    parts = []
    for system in SYSTEMS:
        with pa.OSFile(str(tmp / f".truth-{system}.arrow"), "rb") as src:
            parts.append(pa.ipc.open_file(src).read_all())
    otel_truth, otel_steps, otel_counts = _run_otel(tmp, options)
    parts.append(otel_truth)
    row_counts[_otel_genai.SOURCE] = otel_counts
    truth = pa.concat_tables(parts)
    truth = truth.sort_by([("source_name", "ascending"), ("source_key", "ascending")])
    (tmp / "truth").mkdir()
    pq.write_table(truth, tmp / "truth" / "generations.parquet", compression="zstd")
    pq.write_table(otel_steps, tmp / "truth" / _otel_genai.STEPS_TRUTH, compression="zstd")
    os.replace(tmp / ".otel-calls.parquet", tmp / "truth" / _otel_genai.CALLS_TRUTH)
    feed_copies = tmp / _instagram_feed.FEED_COPIES_PART
    if feed_copies.exists():  # no instagram_feed calls at this size: no file
        os.replace(feed_copies, tmp / "truth" / _instagram_feed.FEED_COPIES_TRUTH)
    n_truth = truth.num_rows
    del truth, parts
    for system in SYSTEMS:
        (tmp / f".truth-{system}.arrow").unlink()
        (tmp / f".counts-{system}.json").unlink(missing_ok=True)

    (tmp / "sources.toml").write_text(_sources_toml(final_dir), encoding="utf-8")
    planted = 0
    if options.bad_input:
        from demo import bad_input

        planted = bad_input.plant(tmp, final_dir)
    manifest = {
        "generator_version": GENERATOR_VERSION,
        "options": {
            "days": options.days,
            "calls_per_day": options.calls_per_day,
            "end_date": options.end_date.isoformat(),
            "seed": options.seed,
            "bad_input": options.bad_input,
        },
        "window": {
            "start_date": options.start_date.isoformat(),
            "end_date": options.end_date.isoformat(),
        },
        "calls_per_day_by_system": counts,
        # extra to calls_per_day: the seed systems' split stays as it was
        "otel_genai_calls_per_day": _otel_genai.calls_per_day(options.calls_per_day),
        "truth_rows": n_truth,
        "bad_input_rows": planted,
        "row_counts": row_counts,
    }
    (tmp / "truth" / "manifest.json").write_text(
        json.dumps(manifest, indent=2, sort_keys=False) + "\n", encoding="utf-8"
    )
    return manifest


def generate(
    out_dir: pathlib.Path,
    options: DemoOptions = DemoOptions(),
    *,
    workers: int | None = None,
) -> dict:
    """Write the five SQLite databases, sources.toml, truth/generations.parquet and
    truth/manifest.json into out_dir, replacing earlier demo output, and return the manifest.

    The output is built in a temporary folder next to out_dir and renamed into place.
    workers: processes generating systems in parallel (default: half the CPUs, at most 5,
    for runs of 200k calls or more; 1 otherwise). The output does not depend on it.
    """
    if workers is None:
        big = options.days * options.calls_per_day >= _PARALLEL_MIN_CALLS
        # half the CPUs: the SQLite writers are CPU-bound and share the box with other work
        workers = max(1, min(len(SYSTEMS), (os.cpu_count() or 1) // 2)) if big else 1
    out_dir = pathlib.Path(out_dir).resolve()
    _check_replaceable(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_dir.parent / f".{out_dir.name}.tmp-{os.getpid()}"
    old = out_dir.parent / f".{out_dir.name}.old-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    try:
        manifest = _generate_into(tmp, out_dir, options, workers)
        if out_dir.exists():
            out_dir.rename(old)
        tmp.rename(out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        if old.exists() and not out_dir.exists():
            old.rename(out_dir)
        raise
    shutil.rmtree(old, ignore_errors=True)
    return manifest


def options_from_manifest(manifest: dict) -> DemoOptions:
    o = manifest["options"]
    return dataclasses.replace(
        DemoOptions(),
        days=o["days"],
        calls_per_day=o["calls_per_day"],
        end_date=datetime.date.fromisoformat(o["end_date"]),
        seed=o["seed"],
        bad_input=o.get("bad_input", False),
    )
