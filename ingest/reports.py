"""Notebook reports: each marimo notebook under notebooks/ exported to static HTML.

`marimo export html` runs the notebook top to bottom and exits non-zero when a cell
raises, so an export is also the notebook's smoke test. Each export runs in its own
subprocess against the warehouse in ``data_dir`` and is written to a temporary file that
is renamed into place, so ``reports/`` never holds a half-written page.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS_DIR = REPO_ROOT / "notebooks"
EXPORT_TIMEOUT_S = 900

# marimo logs this (and still exits 0) when an altair chart cannot be serialised, e.g. a
# Decimal column: the page is written without the chart. Treated as a failed export.
_CHART_FAILURE = "Failed to get mimebundle"


def notebook_paths(notebooks: list[str] | None = None) -> list[Path]:
    """The notebooks to export: the named ones (with or without ``.py``), else all."""
    if notebooks is None:
        return sorted(p for p in NOTEBOOKS_DIR.glob("*.py") if not p.name.startswith(("_", ".")))
    paths = []
    for name in notebooks:
        path = NOTEBOOKS_DIR / (name if name.endswith(".py") else f"{name}.py")
        if not path.is_file():
            raise FileNotFoundError(f"no notebook {name!r} in {NOTEBOOKS_DIR}")
        paths.append(path)
    return paths


def export_notebooks(data_dir: Path, notebooks: list[str] | None = None) -> list[Path]:
    """Export each notebook to ``data_dir/reports/<name>.html``; return the paths written.

    Raises RuntimeError naming the notebook, with marimo's stderr, when an export fails.
    """
    data_dir = Path(data_dir).resolve()
    reports_dir = data_dir / "reports"
    reports_dir.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "WAREHOUSE_DATA_DIR": str(data_dir)}
    written = []
    for notebook in notebook_paths(notebooks):
        target = reports_dir / f"{notebook.stem}.html"
        written.append(_export_one(notebook, target, env))
    return written


def _export_one(notebook: Path, target: Path, env: dict[str, str]) -> Path:
    fd, tmp_name = tempfile.mkstemp(
        dir=target.parent, prefix=f".{target.stem}.", suffix=".html.tmp"
    )
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        result = _run_export(notebook, tmp, env)
        stderr = _without_exit_noise(result.stderr)
        if result.returncode != 0:
            raise RuntimeError(
                f"exporting notebook {notebook.name} failed "
                f"(marimo exit code {result.returncode}):\n{stderr}"
            )
        if _CHART_FAILURE in result.stderr:
            raise RuntimeError(
                f"exporting notebook {notebook.name}: a chart could not be rendered:\n{stderr}"
            )
        if tmp.stat().st_size == 0:
            raise RuntimeError(f"exporting notebook {notebook.name} wrote an empty file")
        tmp.chmod(0o644)  # mkstemp makes it 0600; a report is meant to be read
        tmp.replace(target)
    finally:
        tmp.unlink(missing_ok=True)
    return target


def _run_export(
    notebook: Path, output: Path, env: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "marimo", "export", "html", str(notebook)]
    cmd += ["-o", str(output), "--force", "--no-sandbox"]
    # `marimo export` also saves a session snapshot to notebooks/__marimo__/session/,
    # with no flag to turn it off; it honours sys.pycache_prefix, so send it (and the
    # .pyc files) to a throwaway directory instead of the source tree.
    with tempfile.TemporaryDirectory(prefix="marimo-export-") as scratch:
        try:
            return subprocess.run(
                cmd,
                cwd=REPO_ROOT,
                env={**env, "PYTHONPYCACHEPREFIX": scratch},
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                timeout=EXPORT_TIMEOUT_S,
            )
        except subprocess.TimeoutExpired as exc:
            raise RuntimeError(
                f"exporting notebook {notebook.name} timed out after {EXPORT_TIMEOUT_S} s"
            ) from exc


def _without_exit_noise(stderr: str) -> str:
    """marimo's stderr without duckdb's harmless ``nanobind: leaked ...`` lines at exit."""
    lines = [
        line
        for line in stderr.splitlines()
        if not line.startswith(("nanobind:", " - leaked", " - ... skipped", "See https://nanobind"))
    ]
    return "\n".join(lines).strip()
