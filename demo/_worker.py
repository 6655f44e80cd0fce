"""Subprocess entry point: ``python -m demo._worker SYSTEM TMP_DIR OPTIONS_JSON``.

Generates one system into TMP_DIR (see demo._run_system) and writes its row counts
to TMP_DIR/.counts-SYSTEM.json.
"""

from __future__ import annotations

import datetime
import json
import pathlib
import sys

from demo import DemoOptions, _run_system


def main(argv: list[str]) -> None:
    system, tmp, raw = argv
    o = json.loads(raw)
    options = DemoOptions(
        days=o["days"],
        calls_per_day=o["calls_per_day"],
        end_date=datetime.date.fromisoformat(o["end_date"]),
        seed=o["seed"],
    )
    counts = _run_system(system, pathlib.Path(tmp), options)
    (pathlib.Path(tmp) / f".counts-{system}.json").write_text(json.dumps(counts), encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1:])
