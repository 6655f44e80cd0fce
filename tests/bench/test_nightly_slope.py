"""bench.nightly: the history slope (issue #18), what 60 more days of history add to a
nightly refresh as a share of what they add to a full build (hand-worked cases), and the
next day's sources leaving the old exported files as they were."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bench._proc import Step
from bench.nightly import Run, history_slope, keep_old_files, report


def test_slope_of_hand_worked_cases() -> None:
    # full build 30 s -> 40 s, nightly 12 s -> 13.5 s: the nightly pays 1.5 of the 10 s
    assert history_slope({30: 30.0, 90: 40.0}, {30: 12.0, 90: 13.5}) == pytest.approx(0.15)
    # the figures: nightly 35.7 -> 43.3 s, ingest + full build 26.4 -> 41.5 s: "0.50"
    assert round(history_slope({30: 26.4, 90: 41.5}, {30: 35.7, 90: 43.3}) or 0, 2) == 0.50
    # a nightly that does not grow with the history: 0, whatever its fixed cost
    assert history_slope({30: 20.0, 90: 80.0}, {30: 9.0, 90: 9.0}) == 0.0


def test_no_slope_when_the_full_build_did_not_grow() -> None:
    # more history but no longer full build: noise, not a slope (and no division by zero)
    assert history_slope({30: 50.0, 90: 50.0}, {30: 10.0, 90: 12.0}) is None
    assert history_slope({30: 50.0, 90: 45.0}, {30: 10.0, 90: 12.0}) is None


def _run(days: int, full_s: float, nightly_s: float) -> Run:
    def step(secs: float) -> Step:
        return Step("nightly", secs, 1024**3, 0, "")

    return Run(days, 2000, step(full_s), step(nightly_s), {}, {}, {})


def test_report_says_met_or_missed_against_the_target() -> None:
    met = report([_run(30, 30.0, 12.0), _run(90, 40.0, 13.5)], 0.15)
    assert "(13.5 - 12.0) / (40.0 - 30.0) = 0.15 (met)" in met
    missed = report([_run(30, 26.4, 35.7), _run(90, 41.5, 43.3)], 0.5033)
    assert "= 0.50 (missed)" in missed
    noise = report([_run(30, 50.0, 10.0), _run(90, 50.0, 12.0)], None)
    assert "not measurable" in noise


def test_old_exported_files_keep_their_time(tmp_path: Path) -> None:
    # the day before's sources and the next day's, as the generator writes them: every
    # file written again, so every file newer
    old, new = tmp_path / "history", tmp_path / "next"
    files = {
        "otel_genai/traces-1.jsonl.gz": (b"day 1", b"day 1"),  # an old day: same bytes
        "otel_genai/traces-2.jsonl": (b"day 2", b"day 2 and more"),  # grew: changed
        "otel_genai/traces-3.json": (b"abc", b"abd"),  # same size, other bytes
        "otel_genai/traces-4.json": (None, b"new day"),  # only in the new sources
        "truth/calls.json": (b"x", b"x"),  # not a source
    }
    for name, (before, after) in files.items():
        for root, data in ((old, before), (new, after)):
            if data is not None:
                (root / name).parent.mkdir(parents=True, exist_ok=True)
                (root / name).write_bytes(data)
                os.utime(root / name, ns=(0, 10**18 if root is old else 2 * 10**18))

    assert keep_old_files(old, new) == 1
    mtime = {name: (new / name).stat().st_mtime_ns for name in files}
    assert mtime["otel_genai/traces-1.jsonl.gz"] == 10**18
    for name in files.keys() - {"otel_genai/traces-1.jsonl.gz"}:
        assert mtime[name] == 2 * 10**18, name
    assert keep_old_files(old, new) == 0  # nothing left to set
