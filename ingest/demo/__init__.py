"""Deterministic demo data: five source databases shaped like the seeds, plus ground truth.

Contract: docs/demo_sources.md. ``generate(out_dir, DemoOptions(...))`` writes

    out_dir/{ai_process_log,trip_planner,text2sql,instagram_feed,ml_gateway}.db
    out_dir/sources.toml
    out_dir/truth/generations.parquet
    out_dir/truth/manifest.json

Same options -> byte-identical truth Parquet and identical database contents. The folder is
built next to out_dir and swapped in by rename. Calls are generated one UTC day at a time
(numpy-vectorised inside a day), so memory stays bounded for large runs.
"""

from __future__ import annotations

import dataclasses
import datetime
import json
import os
import pathlib
import shutil
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from . import _ai_process_log, _instagram_feed, _ml_gateway, _text2sql, _trip_planner
from ._util import TRUTH_SCHEMA, US_PER_DAY, DbWriter

__all__ = ["SHARES", "SYSTEMS", "DemoOptions", "daily_counts", "generate"]

# system -> (generator module, share of calls in percent, timezone written to sources.toml)
SYSTEMS: dict[str, tuple[Any, int, str]] = {
    "ai_process_log": (_ai_process_log, 25, "Asia/Seoul"),
    "trip_planner": (_trip_planner, 20, "UTC"),
    "text2sql": (_text2sql, 25, "UTC"),
    "instagram_feed": (_instagram_feed, 15, "UTC"),
    "ml_gateway": (_ml_gateway, 15, "UTC"),
}
SHARES = {name: share for name, (_, share, _) in SYSTEMS.items()}
GENERATOR_VERSION = 1
_DEMO_FILES = {f"{s}.db" for s in SYSTEMS} | {"sources.toml", "truth"}


@dataclass(frozen=True)
class DemoOptions:
    days: int = 30
    calls_per_day: int = 500  # all five systems together
    end_date: datetime.date = datetime.date(2025, 6, 24)  # last UTC day generated
    seed: int = 42

    def __post_init__(self) -> None:
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
    for system, (_, _, tz) in SYSTEMS.items():
        path = (final_dir / f"{system}.db").as_posix()
        parts.append(
            "[[source]]\n"
            f'name = "demo_{system}"\n'
            f'system = "{system}"\n'
            f'url = "sqlite:///{path}"\n'
            f'timezone = "{tz}"\n'
        )
    return "# Written by `python -m ingest demo`; regenerated on every run.\n\n" + "\n".join(parts)


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


def _generate_into(tmp: pathlib.Path, final_dir: pathlib.Path, options: DemoOptions) -> dict:
    counts = daily_counts(options.calls_per_day)
    root = np.random.SeedSequence(options.seed)
    children = root.spawn(len(SYSTEMS))
    start_us = int(
        (
            datetime.datetime.combine(options.start_date, datetime.time(), datetime.UTC)
            - datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
        ).total_seconds()
    ) * 1_000_000

    truth_parts: list[pa.Table] = []
    row_counts: dict[str, dict[str, int]] = {}
    for (system, (module, _, _)), ss in zip(SYSTEMS.items(), children, strict=True):
        rng = np.random.default_rng(ss)
        writer = DbWriter(str(tmp / f"{system}.db"), module.TABLES)
        gen = module.Generator(writer, rng, options=options, start_us=start_us)
        gen.setup()
        for d in range(options.days):
            truth_parts.append(gen.day(start_us + d * US_PER_DAY, counts[system]))
        gen.finish()
        writer.close()
        row_counts[f"demo_{system}"] = dict(sorted(writer.counts.items()))

    truth = pa.concat_tables(truth_parts) if truth_parts else TRUTH_SCHEMA.empty_table()
    truth = truth.sort_by([("source_name", "ascending"), ("source_key", "ascending")])
    (tmp / "truth").mkdir()
    pq.write_table(truth, tmp / "truth" / "generations.parquet", compression="zstd")

    (tmp / "sources.toml").write_text(_sources_toml(final_dir), encoding="utf-8")
    manifest = {
        "generator_version": GENERATOR_VERSION,
        "options": {
            "days": options.days,
            "calls_per_day": options.calls_per_day,
            "end_date": options.end_date.isoformat(),
            "seed": options.seed,
        },
        "window": {
            "start_date": options.start_date.isoformat(),
            "end_date": options.end_date.isoformat(),
        },
        "calls_per_day_by_system": counts,
        "truth_rows": truth.num_rows,
        "row_counts": row_counts,
    }
    (tmp / "truth" / "manifest.json").write_text(
        json.dumps(manifest, indent=2, sort_keys=False) + "\n", encoding="utf-8"
    )
    return manifest


def generate(out_dir: pathlib.Path, options: DemoOptions = DemoOptions()) -> dict:  # noqa: B008
    """Write the five SQLite databases, sources.toml, truth/generations.parquet and
    truth/manifest.json into out_dir, replacing earlier demo output, and return the manifest.

    The output is built in a temporary folder next to out_dir and renamed into place.
    """
    out_dir = pathlib.Path(out_dir).resolve()
    _check_replaceable(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_dir.parent / f".{out_dir.name}.tmp-{os.getpid()}"
    old = out_dir.parent / f".{out_dir.name}.old-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    try:
        manifest = _generate_into(tmp, out_dir, options)
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
    )
