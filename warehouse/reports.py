"""Notebook reports: each marimo notebook under notebooks/ as one self-contained HTML page
that opens offline.

marimo's own ``export html`` page loads marimo's frontend from a CDN, so it shows nothing
on a machine without internet. A report is therefore built here from the same cells: the
notebook runs top to bottom as a script (``app.run()``; a cell that raises fails the
report, so a report is also the notebook's smoke test), every cell's output is turned into
HTML by marimo itself (``mo.as_html``), and the page carries everything it needs inline:
the Vega, Vega-Lite and vega-embed JavaScript from ``vl-convert-python`` (the bundle
altair uses for offline HTML) and a few lines of script that draw marimo's output
elements (stats, callouts, tables, the current value of each control) without marimo's
frontend. Charts keep their tooltips; controls show the values the report was made with.

Each notebook renders in its own subprocess against the warehouse in ``data_dir`` and is
written to a temporary file that is renamed into place, so ``reports/`` never holds a
half-written page.
"""

from __future__ import annotations

import concurrent.futures
import datetime as dt
import html
import importlib.util
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from warehouse.paths import NOTEBOOKS_DIR, REPO_ROOT, dbt_target_dir

# reports rendered at once (each a marimo process): one per core of the 2-core machine
EXPORT_WORKERS = 2
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


def export_notebooks(
    data_dir: Path, notebooks: list[str] | None = None, changed_only: bool = False
) -> list[Path]:
    """Export each notebook to ``data_dir/reports/<name>.html``, two at a time; return
    the paths written.

    ``changed_only`` (the nightly): a notebook whose report exists and none of whose
    marts changed in the last publication is not rendered again (unchanged_notebooks).
    Raises RuntimeError naming the notebook, with marimo's stderr, when an export fails.
    """
    data_dir = Path(data_dir).resolve()
    reports_dir = data_dir / "reports"
    reports_dir.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "WAREHOUSE_DATA_DIR": str(data_dir)}
    paths = notebook_paths(notebooks)
    if changed_only:
        skip = unchanged_notebooks(data_dir)
        paths = [
            p for p in paths if not (p.stem in skip and (reports_dir / f"{p.stem}.html").exists())
        ]
    with concurrent.futures.ThreadPoolExecutor(max_workers=EXPORT_WORKERS) as pool:
        futures = [
            pool.submit(_export_one, nb, reports_dir / f"{nb.stem}.html", env) for nb in paths
        ]
        return [f.result() for f in futures]


def unchanged_notebooks(data_dir: Path) -> set[str]:
    """Notebooks (by file stem) every mart of which the last build published unchanged:
    no file written for it (publish.published_relations). The marts a notebook reads are
    its exposure's depends_on (dbt_project/models/marts/_exposures.yml, via the manifest
    of the last dbt run); a view, or a mart missing from the publication, counts as
    changed."""
    import duckdb

    from warehouse.publish import BUILDER_DB

    manifest = dbt_target_dir(data_dir) / "manifest.json"
    builder = data_dir / BUILDER_DB
    if not manifest.exists() or not builder.exists():
        return set()
    try:
        with duckdb.connect(str(builder), read_only=True) as con:
            unchanged = {
                r
                for (r,) in con.execute(
                    "select relation from publish.published_relations where files_written = 0"
                ).fetchall()
            }
    except duckdb.Error:
        return set()
    nodes = json.loads(manifest.read_text(encoding="utf-8"))
    out = set()
    for exposure in nodes.get("exposures", {}).values():
        url = exposure.get("url") or ""
        marts = [
            f"{nodes['nodes'][uid]['schema']}.{nodes['nodes'][uid]['name']}"
            for uid in exposure.get("depends_on", {}).get("nodes", [])
            if uid in nodes["nodes"]
        ]
        if url.startswith("notebooks/") and marts and all(m in unchanged for m in marts):
            out.add(Path(url).stem)
    return out


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
    cmd = [sys.executable, "-m", "warehouse.reports", str(notebook), str(output)]
    # marimo may cache compiled cells next to the notebook; keep the source tree clean.
    with tempfile.TemporaryDirectory(prefix="notebook-report-") as scratch:
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


def register_marimo_formatters() -> None:
    """marimo's rich formatters, as a kernel has them, before a script run.

    marimo 0.25.2 runs an app as a script without registering them (it registers only
    when some are registered already), so an altair chart built inside a cell, e.g. in
    ``mo.vstack``, falls back to altair's own HTML, which loads Vega from a CDN and draws
    nothing offline. Under ``marimo run``/``edit`` the kernel has registered them.
    """
    from marimo._output.formatters.formatters import register_formatters

    register_formatters()


def render_report(notebook: Path) -> str:
    """Run ``notebook`` as a script and return its outputs as one offline HTML page."""
    import altair as alt
    import marimo as mo

    register_marimo_formatters()
    spec = importlib.util.spec_from_file_location(f"report_{notebook.stem}", notebook)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    app = module.app
    from warehouse import notebook_support

    try:
        outputs, _ = app.run()
    finally:
        notebook_support.close()
    cells = []
    for output in outputs:
        if output is None:
            continue
        if isinstance(output, alt.TopLevelMixin):
            output.to_json()  # raise here, naming the problem, rather than drop the chart
        body = mo.as_html(output).text
        _check_tables_whole(body, notebook.name)
        cells.append(f'<section class="cell">{body}</section>')
    title = app._config.app_title or notebook.stem
    generated = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    return (
        _PAGE.replace("%TITLE%", html.escape(title))
        .replace("%GENERATED%", html.escape(f"{notebook.name}, {generated}"))
        .replace("%VEGA%", _vega_bundle().replace("</script", "<\\/script"))
        .replace("%RENDER%", _RENDER_JS)
        .replace("%BODY%", "\n".join(cells))
    )


_TABLE = re.compile(r"<marimo-table\b[^>]*>")
_ATTR = re.compile(r"data-(data|total-rows)='([^']*)'")


def table_rows(element: str) -> tuple[list[dict], int | str]:
    """The rows a ``<marimo-table>`` element carries, and the rows its table has."""
    attrs = {k: json.loads(html.unescape(v)) for k, v in _ATTR.findall(element)}
    rows = attrs.get("data", "[]")
    rows = json.loads(rows) if isinstance(rows, str) else rows
    return rows, attrs.get("total-rows", "too_many")


def _check_tables_whole(body: str, notebook: str) -> None:
    """A report has no kernel to fetch a table's next page: a table that carries fewer
    rows than it has would silently drop rows (``notebook_support.table`` shows them
    all, or an explicit top N). Fail the report instead."""
    for element in _TABLE.findall(body):
        rows, total = table_rows(element)
        if not isinstance(rows, list) or total != len(rows):
            shown = len(rows) if isinstance(rows, list) else "?"
            raise RuntimeError(
                f"{notebook}: a table carries {shown} of its {total} rows (marimo's pages); "
                "show it with notebook_support.table"
            )


def _vega_bundle() -> str:
    """vega + vega-lite + vega-embed as one script, for the Vega-Lite version altair writes."""
    import altair as alt
    import vl_convert

    wanted = ".".join(alt.VEGALITE_VERSION.split(".")[:2])
    available = vl_convert.get_vegalite_versions()
    version = wanted if wanted in available else available[-1]
    bundle: str = vl_convert.javascript_bundle("window.vegaEmbed = vegaEmbed;", vl_version=version)
    return bundle


_RENDER_JS = r"""
// Draw marimo's output elements without marimo's frontend. Their data-* attributes
// hold JSON; data-data of a chart or a table is itself a JSON string.
const parse = (v) => { try { return JSON.parse(v); } catch (e) { return v; } };
const deep = (v) => (typeof v === "string" ? parse(v) : v);
const text = (v) => (v === null || v === undefined ? "" : String(v));
function esc(v) {
  const d = document.createElement("div");
  d.textContent = text(v);
  return d.innerHTML;
}
function table(rows, wrapped) {
  // wrapped: the columns notebook_support.table marks for wrapping (long text, ids);
  // numbers (counts with separators, $ amounts, percentages) are right-aligned
  if (!Array.isArray(rows) || rows.length === 0) return "<p class=empty>No rows.</p>";
  const cols = Object.keys(rows[0]).filter((c) => !c.startsWith("_marimo"));
  const wrap = new Set(Array.isArray(wrapped) ? wrapped : []);
  const cell = (v) => (v !== null && typeof v === "object" ? JSON.stringify(v) : v);
  const num = (v) => typeof v === "number" || /^[$-]*[0-9][0-9,.]*( %)?$/.test(text(v));
  const cls = (c, v) => (wrap.has(c) ? " class=wrap" : num(v) ? " class=num" : "");
  // a long column name may break after its underscores
  return "<div class=table><table><thead><tr>" +
    cols.map((c) => `<th>${esc(c).replaceAll("_", "_<wbr>")}</th>`).join("") +
    "</tr></thead><tbody>" + rows.map((r) => "<tr>" + cols.map((c) =>
      `<td${cls(c, r[c])}>${esc(cell(r[c]))}</td>`).join("") + "</tr>").join("") +
    "</tbody></table></div>";
}
function control(el) {
  const label = parse(el.dataset.label) || "";
  let value = parse(el.dataset.initialValue);
  if (el.tagName === "MARIMO-DATE-RANGE") value = value.join(" → ");
  else if (Array.isArray(value)) value = value.length ? value.join(", ") : "all";
  return `<div class=control><span class=label>${label}</span> <b>${esc(value)}</b></div>`;
}
function draw(el) {
  const tag = el.tagName.toLowerCase();
  if (tag === "marimo-mime-renderer") {
    const mime = parse(el.dataset.mime), data = parse(el.dataset.data);
    if (mime.startsWith("application/vnd.vegalite") || mime.startsWith("application/vnd.vega")) {
      const div = document.createElement("div");
      div.className = "chart";
      el.replaceWith(div);
      vegaEmbed(div, deep(data), { renderer: "svg", actions: false }).catch((e) => {
        div.className = "chart chart-error";
        div.textContent = "chart failed: " + e;
      });
      return;
    }
    if (mime === "text/html") { el.outerHTML = data; return; }
    el.outerHTML = `<pre>${esc(data)}</pre>`;
    return;
  }
  if (tag === "marimo-stat") {
    const cap = parse(el.dataset.caption);
    el.outerHTML = `<div class=stat><div class=stat-label>${esc(parse(el.dataset.label))}</div>` +
      `<div class=stat-value>${esc(parse(el.dataset.value))}</div>` +
      (cap ? `<div class=stat-caption>${esc(cap)}</div>` : "") + "</div>";
    return;
  }
  if (tag === "marimo-callout-output") {
    const kind = esc(parse(el.dataset.kind));
    el.outerHTML = `<div class="callout ${kind}">${parse(el.dataset.html)}</div>`;
    return;
  }
  if (tag === "marimo-table") {
    el.outerHTML = table(deep(parse(el.dataset.data)), deep(parse(el.dataset.wrappedColumns)));
    return;
  }
  if (["marimo-date-range", "marimo-dropdown", "marimo-multiselect", "marimo-date",
       "marimo-slider", "marimo-checkbox", "marimo-radio", "marimo-text"].includes(tag)) {
    el.outerHTML = control(el);
    return;
  }
}
function drawAll() {
  // Callouts and stacks hold further elements: repeat until none is left.
  for (let pass = 0; pass < 10; pass++) {
    const todo = [...document.querySelectorAll("main *")].filter(
      (e) => e.tagName.startsWith("MARIMO-") && e.tagName !== "MARIMO-UI-ELEMENT" &&
             !e.dataset.drawn);
    if (!todo.length) break;
    for (const el of todo) { el.dataset.drawn = "1"; if (el.isConnected) draw(el); }
  }
}
drawAll();
// A table wider than the page is marked (the report test looks for the mark).
for (const t of document.querySelectorAll("main .table")) {
  if (t.scrollWidth > t.clientWidth + 1) t.classList.add("too-wide");
}
"""

_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>%TITLE%</title>
<style>
  body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; color: #1f2328;
         margin: 0; background: #fafafa; }
  main { max-width: 1100px; margin: 0 auto; padding: 1.5rem 2rem 4rem; background: #fff; }
  header.report { color: #6a737d; font-size: 0.8rem; border-bottom: 1px solid #eee;
                  margin-bottom: 1rem; padding-bottom: 0.3rem; }
  section.cell { margin: 0.8rem 0; }
  h1 { font-size: 1.8rem; margin: 0.3rem 0; } h2 { font-size: 1.3rem; margin-top: 1.8rem; }
  code { background: #f3f4f6; padding: 0 0.25em; border-radius: 3px; font-size: 0.9em; }
  .paragraph { display: block; margin: 0.4rem 0; line-height: 1.5; }
  .stat { border: 1px solid #e5e7eb; border-radius: 8px; padding: 0.6rem 1rem;
          min-width: 10rem; }
  .stat-label { color: #6a737d; font-size: 0.85rem; }
  .stat-value { font-size: 1.5rem; font-weight: 600; }
  .stat-caption { color: #6a737d; font-size: 0.75rem; }
  .callout { border-left: 4px solid #4c78a8; background: #f0f6ff; padding: 0.4rem 1rem;
             margin: 0.5rem 0; }
  .callout.warn { border-color: #eeca3b; background: #fffbea; }
  .callout.danger { border-color: #e45756; background: #fff0f0; }
  .control { display: inline-block; border: 1px dashed #ccc; border-radius: 6px;
             padding: 0.2rem 0.6rem; margin: 0.2rem 0.4rem 0.2rem 0; font-size: 0.85rem; }
  .control .label, .control .label * { display: inline; }
  .chart { width: 100%; min-height: 60px; }
  .chart-error { color: #b00; }
  .table { overflow-x: auto; max-width: 100%; }
  table { border-collapse: collapse; font-size: 0.85rem; }
  th, td { border-bottom: 1px solid #eee; padding: 0.25rem 0.45rem; text-align: left;
           white-space: nowrap; }
  th { white-space: normal; vertical-align: bottom; }
  td.num { text-align: right; font-variant-numeric: tabular-nums; }
  td.wrap { white-space: normal; overflow-wrap: anywhere; min-width: 8rem; }
  th { background: #f6f8fa; }
  .empty { color: #6a737d; }
</style>
<script>%VEGA%</script>
</head>
<body>
<main>
<header class="report">Report from %GENERATED% (offline copy: the controls show the values it was
made with; open the notebook with <code>marimo run</code> to change them)</header>
%BODY%
</main>
<script>%RENDER%</script>
</body>
</html>
"""


def main(argv: list[str]) -> int:
    """``python -m warehouse.reports NOTEBOOK OUTPUT``: render one report (one per process)."""
    notebook, output = Path(argv[0]), Path(argv[1])
    output.write_text(render_report(notebook), encoding="utf-8")
    return 0


def _without_exit_noise(stderr: str) -> str:
    """marimo's stderr without duckdb's harmless ``nanobind: leaked ...`` lines at exit."""
    lines = [
        line
        for line in stderr.splitlines()
        if not line.startswith(("nanobind:", " - leaked", " - ... skipped", "See https://nanobind"))
    ]
    return "\n".join(lines).strip()


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
