"""How long each notebook takes to open on the warehouse in WAREHOUSE_DATA_DIR (issue #7:
"each opens in under 2 seconds on a warehouse of 10 million calls").

    python -m bench.notebook_open [--repeat 3] [--export] [notebook ...]

Per notebook, printed as a table:

- ``warm``: every cell run top to bottom and every output rendered to HTML (charts
  serialised, tables formatted), in a process that has marimo, altair, polars and duckdb
  imported already: what a page open costs under ``marimo run``, whose server imported
  them once. Best of ``--repeat`` runs after one unmeasured run.
- ``queries``: the part of that warm run spent in the warehouse (``notebook_support``'s
  ``query``), and ``slowest``: its slowest single query.
- ``script``: ``python notebooks/<name>.py`` in a fresh process (imports included): a
  cold open, as the first page a fresh ``marimo run`` server serves; the imports alone
  are timed once, below the table.
- ``export`` (with ``--export``): ``marimo export html`` in a fresh process (marimo's
  kernel, imports included).

Figures, not assertions: the shared machine's load moves them; tests never time things.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from warehouse import notebook_support
from warehouse.paths import REPO_ROOT
from warehouse.reports import notebook_paths, register_marimo_formatters


class QueryTimer:
    """Wraps ``notebook_support.query``: total seconds in it, and the slowest call."""

    def __init__(self, query: Callable[..., Any]) -> None:
        self._query = query
        self.total = 0.0
        self.slowest = 0.0
        self.slowest_sql = ""
        self.calls = 0

    def __call__(self, sql: str, params: dict[str, Any] | None = None) -> Any:
        t0 = time.perf_counter()
        try:
            return self._query(sql, params)
        finally:
            spent = time.perf_counter() - t0
            self.total += spent
            self.calls += 1
            if spent > self.slowest:
                self.slowest, self.slowest_sql = spent, " ".join(sql.split())[:70]


def warm_open(notebook: Path) -> tuple[float, QueryTimer]:
    """Run every cell and render every output, in this (warm) process."""
    import marimo as mo

    register_marimo_formatters()  # as marimo's kernel has them
    timer = QueryTimer(notebook_support.query)
    original = notebook_support.query
    notebook_support.query = timer  # the notebooks call wh.query through the module
    try:
        t0 = time.perf_counter()
        spec = importlib.util.spec_from_file_location(f"bench_{notebook.stem}", notebook)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        outputs, _ = module.app.run()
        for output in outputs:
            if output is not None:
                mo.as_html(output)
        return time.perf_counter() - t0, timer
    finally:
        notebook_support.query = original


def cold(cmd: list[str], env: dict[str, str]) -> float:
    """Wall seconds of a fresh process; raises when it fails."""
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=REPO_ROOT, env=env, capture_output=True, text=True)
    spent = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{proc.stderr[-2000:]}")
    return spent


def warehouse_size() -> str:
    calls, days, first, last = notebook_support.query(
        "select count(*), count(distinct started_on), min(started_on), max(started_on)"
        " from marts.generations"
    ).row(0)
    size = notebook_support.warehouse_path().stat().st_size / 2**20
    return f"{calls:,} calls over {days} days ({first} → {last}), {size:,.0f} MiB"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("notebooks", nargs="*", help="default: all")
    ap.add_argument("--repeat", type=int, default=3, help="warm runs measured (best kept)")
    ap.add_argument("--export", action="store_true", help="also time `marimo export html`")
    args = ap.parse_args()

    print(f"warehouse: {notebook_support.data_dir()}")
    print(f"           {warehouse_size()}")
    notebook_support.close()
    env = dict(os.environ, WAREHOUSE_DATA_DIR=str(notebook_support.data_dir()))
    header = f"{'notebook':<10} {'warm':>7} {'queries':>8} {'slowest':>8} {'script':>7}"
    header += f" {'export':>7}" if args.export else ""
    print(f"\n{header}  slowest query")
    with tempfile.TemporaryDirectory(prefix="bench-notebooks-") as scratch:
        env["PYTHONPYCACHEPREFIX"] = scratch
        for notebook in notebook_paths(args.notebooks or None):
            warm_open(notebook)  # imports, first catalog read: not what an open pays
            runs = [warm_open(notebook) for _ in range(max(1, args.repeat))]
            warm, timer = min(runs, key=lambda r: r[0])
            notebook_support.close()  # a cold process opens the file itself
            script = cold([sys.executable, str(notebook)], env)
            line = (
                f"{notebook.stem:<10} {warm:>6.2f}s {timer.total:>7.2f}s "
                f"{timer.slowest:>7.2f}s {script:>6.2f}s"
            )
            if args.export:
                out = Path(scratch) / f"{notebook.stem}.html"
                cmd = [sys.executable, "-m", "marimo", "export", "html", str(notebook)]
                line += f" {cold([*cmd, '-o', str(out), '--force', '--no-sandbox'], env):>6.2f}s"
            print(f"{line}  {timer.slowest_sql}", flush=True)
    imports = cold(
        [sys.executable, "-c", "import altair, duckdb, marimo, polars, warehouse.notebook_support"],
        env,
    )
    print(f"\nimports alone in a fresh process: {imports:.2f}s (inside each `script` figure)")
    print(
        "warm: cells run + outputs rendered in a warm process (a `marimo run` page open),"
        " best of the runs; queries: its time in the warehouse; script: a fresh"
        " `python notebooks/<name>.py` (imports included)."
    )


if __name__ == "__main__":
    main()
