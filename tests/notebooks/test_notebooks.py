"""The notebooks on a small demo warehouse: lint, run as a script, marimo's own HTML export,
the offline reports and `marimo run` opened in headless Chromium (charts drawn, screenshots
kept under the data dir), and one headline figure per notebook against the generator's
truth, computed here independently (polars, numpy, genai-prices' own calc_price)."""

from __future__ import annotations

import datetime as dt
import html
import importlib.util
import json
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path

import duckdb
import numpy as np
import polars as pl
import pytest
from genai_prices import Usage, calc_price

from tests.support.cli import REPO, cli, demo_env
from warehouse import reports
from warehouse.reports import export_notebooks, notebook_paths

NOTEBOOKS = ["analyses", "cost", "latency", "quality", "usage"]
DAYS, CALLS_PER_DAY, END = 6, 400, "2025-06-12"

# Canonical (provider, model) of every raw model string the demo writes, by hand (a new
# string in the generator fails the `truth` fixture until it is added here).
CANONICAL = {
    "gpt-4o-mini": ("openai", "gpt-4o-mini"),
    "gpt-4o-mini-2024-07-18": ("openai", "gpt-4o-mini"),
    "GPT-4o-mini": ("openai", "gpt-4o-mini"),
    "gpt-4o": ("openai", "gpt-4o"),
    "openai/gpt-4o": ("openai", "gpt-4o"),
    "gpt-3.5-turbo": ("openai", "gpt-3.5-turbo"),
    "o3": ("openai", "o3"),
    "o4-mini": ("openai", "o4-mini"),
    "ft:gpt-4o-mini-2024-07-18:acme-ig::B7xKp2Qd": ("openai", "ft:gpt-4o-mini"),
    "claude-3-5-sonnet-20241022": ("anthropic", "claude-3-5-sonnet"),
    "claude-3-5-haiku-20241022": ("anthropic", "claude-3-5-haiku-20241022"),
    # otel_genai's planted long-context calls
    "claude-sonnet-4-5-20250929": ("anthropic", "claude-sonnet-4-5"),
    "HCX-003": ("naver", "hcx-003"),
    "acme-llm-7b": (None, "acme-llm-7b"),
    "llama3.2": ("ollama", "llama3.2"),
    "llama3.2:latest": ("ollama", "llama3.2"),
}


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory, builds_a_warehouse: None) -> Path:
    data = tmp_path_factory.mktemp("nb_warehouse")
    env = demo_env(data)
    cli(env, "demo", "--days", str(DAYS), "--calls-per-day", str(CALLS_PER_DAY), "--end-date", END)
    # The first nightly refresh lands and builds everything, and writes the run log.
    cli(env, "nightly", "--no-notebooks")
    return data


@pytest.fixture(scope="module")
def truth(warehouse: Path) -> pl.DataFrame:
    frame = pl.read_parquet(warehouse / "demo" / "truth" / "generations.parquet")
    unknown = set(frame["model_raw"].drop_nulls().unique()) - set(CANONICAL)
    assert not unknown, f"add the demo's new model strings to CANONICAL: {unknown}"
    canonical = [CANONICAL[m] if m is not None else (None, None) for m in frame["model_raw"]]
    return frame.with_columns(
        pl.Series("canonical_provider", [c[0] for c in canonical], pl.String),
        pl.Series("canonical_model", [c[1] for c in canonical], pl.String),
    )


@pytest.fixture(scope="module")
def chromium() -> str:
    """Debian's chromium, installed here when missing (CI runs as root on Debian 12)."""
    path = shutil.which("chromium")
    if path is None:
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
        subprocess.run(["apt-get", "install", "-y", "-qq", "chromium"], check=True, env=env)
        path = shutil.which("chromium")
    assert path, "chromium could not be installed"
    return path


def _load(
    name: str, data_dir: Path, monkeypatch: pytest.MonkeyPatch, defs: dict | None = None
) -> dict:
    monkeypatch.setenv("WAREHOUSE_DATA_DIR", str(data_dir))
    spec = importlib.util.spec_from_file_location(
        f"{name}_under_test", REPO / "notebooks" / f"{name}.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    _, out = module.app.run(defs=defs)
    return dict(out)


def _parallel(fn, items):
    with ThreadPoolExecutor(max_workers=2) as pool:
        return list(pool.map(fn, items))


# ---------------------------------------------------------------- lint, script, export


def test_default_notebooks_are_the_five() -> None:
    assert [p.stem for p in notebook_paths()] == NOTEBOOKS


def test_marimo_check() -> None:
    files = [str(REPO / "notebooks" / f"{n}.py") for n in NOTEBOOKS]
    result = subprocess.run(
        [sys.executable, "-m", "marimo", "check", "--strict", *files],
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_exports_with_marimo(warehouse: Path, tmp_path: Path) -> None:
    """marimo's own export runs every cell in a kernel and fails on a cell error. (Running
    as a script, ``app.run()``, is what every report below and the headline tests do.)"""
    env = {**os.environ, "WAREHOUSE_DATA_DIR": str(warehouse), "PYTHONPYCACHEPREFIX": str(tmp_path)}

    def export(name: str) -> subprocess.CompletedProcess[str]:
        out = tmp_path / f"{name}.html"
        cmd = [sys.executable, "-m", "marimo", "export", "html", f"notebooks/{name}.py"]
        cmd += ["-o", str(out), "--force", "--no-sandbox"]
        return subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=300)

    for name, result in zip(NOTEBOOKS, _parallel(export, NOTEBOOKS), strict=True):
        assert result.returncode == 0, f"{name} export:\n{result.stderr[-3000:]}"
        assert "Failed to get mimebundle" not in result.stderr, result.stderr
        assert (tmp_path / f"{name}.html").stat().st_size > 0


def test_runs_as_a_script(warehouse: Path) -> None:
    """``python notebooks/usage.py`` (one notebook: the others run as scripts in the
    report and headline tests, through the same ``app.run()``)."""
    env = {**os.environ, "WAREHOUSE_DATA_DIR": str(warehouse)}
    result = subprocess.run([sys.executable, "notebooks/usage.py"], cwd=REPO, env=env,
                            capture_output=True, text=True, timeout=300)  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]


# ---------------------------------------------------------------- Chromium


def _chromium_cmd(chromium: str, profile: Path) -> list[str]:
    profile.mkdir(parents=True, exist_ok=True)
    return [
        chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
        "--no-first-run", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", f"--user-data-dir={profile}", "--window-size=1200,3000",
    ]  # fmt: skip


def _chart_stats(dom: str) -> tuple[int, list[int]]:
    """Charts vega-embed drew, and the number of mark elements in each one's SVG/canvas."""
    embeds = re.split(r'class="[^"]*\bvega-embed\b', dom)[1:]
    marks = []
    for chunk in embeds:
        svg = chunk.split("</svg>")[0] if "<svg" in chunk.split("vega-embed")[0] else ""
        drawn = len(re.findall(r'class="mark-[a-z]+ role-mark', svg))
        if drawn == 0 and "<canvas" in chunk[:2000]:
            drawn = 1  # canvas renderer: a drawn canvas element
        marks.append(drawn)
    return len(embeds), marks


def _render(cmd: list[str], url: str, shot: Path, offline: bool) -> str:
    prefix = ["unshare", "-n"] if offline else []
    budget = ["--virtual-time-budget=15000"]
    dom = subprocess.run([*prefix, *cmd, *budget, "--dump-dom", url],
                         capture_output=True, text=True, timeout=120)  # fmt: skip
    assert dom.returncode == 0, dom.stderr[-2000:]
    shot_run = subprocess.run([*prefix, *cmd, *budget, f"--screenshot={shot}", url],
                              capture_output=True, text=True, timeout=120)  # fmt: skip
    assert shot_run.returncode == 0 and shot.stat().st_size > 10_000, shot_run.stderr[-2000:]
    return dom.stdout


def _dom_tables(dom: str) -> list[tuple[list[str], list[list[str]]]]:
    """The report's drawn tables: header and rows of cell texts."""
    tables = []
    for body in re.findall(r"<table>(.*?)</table>", dom, flags=re.S):
        header = [
            html.unescape(h.replace("<wbr>", ""))
            for h in re.findall(r"<th>(.*?)</th>", body, flags=re.S)
        ]
        rows = [
            [html.unescape(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", row, flags=re.S)]
            for row in re.findall(r"<tr>(.*?)</tr>", body.split("</thead>")[-1], flags=re.S)
        ]
        tables.append((header, rows))
    return tables


def _chart_specs(page: str) -> list[dict]:
    """The Vega-Lite specs of a report page (marimo's mime elements, JSON in JSON)."""
    specs = []
    for mime, data in re.findall(r"data-mime='([^']*)' data-data='([^']*)'", page):
        if "vegalite" in json.loads(html.unescape(mime)):
            spec = json.loads(html.unescape(data))
            specs.append(json.loads(spec) if isinstance(spec, str) else spec)
    return specs


def _encodings(spec: object) -> list[dict]:
    """Every ``encoding`` of a spec, its layers and concatenations included."""
    if isinstance(spec, dict):
        found = [spec["encoding"]] if isinstance(spec.get("encoding"), dict) else []
        return found + [e for v in spec.values() for e in _encodings(v)]
    if isinstance(spec, list):
        return [e for v in spec for e in _encodings(v)]
    return []


def _chart_rows(spec: dict) -> list[dict]:
    """Every data row of a chart spec (its named datasets and inline values)."""
    rows = [r for values in (spec.get("datasets") or {}).values() for r in values]

    def inline(node: object) -> list[dict]:
        if isinstance(node, dict):
            data = node.get("data")
            here = data["values"] if isinstance(data, dict) and "values" in data else []
            return here + [r for v in node.values() for r in inline(v)]
        if isinstance(node, list):
            return [r for v in node for r in inline(v)]
        return []

    return rows + inline(spec)


def _check_legends_and_rates(name: str, spec: dict) -> None:
    """A legend lists only what the chart draws; a rate is drawn with its calls."""
    rows = _chart_rows(spec)
    for encoding in _encodings(spec):
        colour = encoding.get("color", {})
        domain = colour.get("scale", {}).get("domain")
        quantities = [
            encoding[c]["field"]
            for c in ("x", "y")
            if encoding.get(c, {}).get("type") == "quantitative" and "field" in encoding[c]
        ]
        if domain and quantities:
            for value in domain:
                drawn = [
                    r
                    for r in rows
                    if r.get(colour["field"]) == value
                    and any(r.get(q) not in (None, 0, 0.0) for q in quantities)
                ]
                assert drawn, f"{name}: legend entry {value!r} without a mark ({quantities})"
        tips = encoding.get("tooltip", [])
        tips = tips if isinstance(tips, list) else [tips]
        fields = [t.get("field", "") if isinstance(t, dict) else str(t) for t in tips]
        plotted = [encoding.get(c, {}).get("field", "") for c in ("x", "y")]
        if any(_is_rate(f) for f in plotted):
            assert {"requests", "calls"} & set(fields), f"{name}: a rate without its calls"


def _is_rate(name: str) -> bool:
    """A column holding a rate: `rate`, `error_rate`, `rate_low`, `failed_pct`, `Failed %`
    (not `generated_at`, which only spells "rate")."""
    return bool(re.search(r"(^|_)rate($|_)", name)) or "pct" in name or "%" in name


def _check_money_and_rates_in_tables(name: str, source: str) -> None:
    """No non-zero cost shown as $0.00 (only a free local model's is zero, or a
    difference of two equal costs); a rate in a table has its calls beside it."""
    for element in re.findall(r"<marimo-table\b[^>]*>", source):
        rows, _total = reports.table_rows(element)
        for row in rows:
            keys = list(row)
            if any(_is_rate(k) for k in keys):
                counts = [k for k in keys if "calls" in k or "requests" in k]
                assert counts, f"{name}: a rate without its calls {keys}"
            for key, value in row.items():
                if value == "$0.00":
                    free = row.get("provider") == "ollama" or "minus" in key
                    assert free, f"{name}: $0.00 shown for {key} of {row}"


def test_offline_reports_render_in_chromium(
    warehouse: Path, truth: pl.DataFrame, chromium: str, tmp_path: Path
) -> None:
    paths = export_notebooks(warehouse)

    assert [p.name for p in paths] == [f"{n}.html" for n in NOTEBOOKS]
    assert sorted(p.name for p in (warehouse / "reports").iterdir()) == [p.name for p in paths]
    shots = warehouse / "screenshots"
    shots.mkdir(exist_ok=True)
    colours: dict[tuple[str, str], set[str]] = {}  # (field, value) -> colours it got
    for path in paths:
        source = path.read_text()
        for spec in _chart_specs(source):
            _check_legends_and_rates(path.name, spec)
        _check_money_and_rates_in_tables(path.name, source)
        for encoding in _encodings(_chart_specs(source)):
            # every quantity and time on an axis says its unit: "Day (UTC)", "Latency (ms)"
            for channel in ("x", "y"):
                axis = encoding.get(channel, {})
                if axis.get("type") in ("quantitative", "temporal"):
                    title = axis.get("title") or ""
                    assert re.search(r"\(.+\)", title), f"{path.name}: {channel} {title!r}"
            colour = encoding.get("color", {})
            if colour.get("field") in ("model", "source_name"):
                scale = colour.get("scale", {})
                assert scale.get("domain") and scale.get("range"), f"{path.name}: {colour}"
                for value, c in zip(scale["domain"], scale["range"], strict=False):
                    colours.setdefault((colour["field"], value), set()).add(c)
        # nothing fetched from elsewhere (the network is cut below anyway)
        assert not re.search(r"<(script|link|img)[^>]+(src|href)=[\"']?(https?:)?//", source)
        expected = source.split("<main>")[1].split("</main>")[0].count("vnd.vegalite")
        assert expected >= 1
        cmd = _chromium_cmd(chromium, tmp_path / f"profile-{path.stem}")
        dom = _render(cmd, path.as_uri(), shots / f"report-{path.stem}.png", offline=True)
        drawn, marks = _chart_stats(dom)
        assert drawn == expected, f"{path.name}: {drawn} of {expected} charts drawn offline"
        assert all(m > 0 for m in marks), f"{path.name}: empty chart {marks}"
        assert 'class="chart chart-error"' not in dom
        # every table fits the page (long text and ids wrap); the page marks one that does not
        assert dom.count('class="table"') >= 1, path.name
        assert 'class="table too-wide"' not in dom, f"{path.name}: a table is wider than the page"
        # no chart left to altair's own HTML (Vega from a CDN: blank offline), none lost
        assert "altair-viz" not in source and "[object Object]" not in dom
        leftover = set(re.findall(r"<(marimo-[a-z-]+)", dom)) - {"marimo-ui-element"}
        assert not leftover, f"{path.name}: not drawn offline: {leftover}"
        # every table carries all its rows (marimo pages by 10, and a report has no kernel
        # to fetch the next page), or says how many of how many it shows
        for element in re.findall(r"<marimo-table\b[^>]*>", source):
            rows, total = reports.table_rows(element)
            assert len(rows) == total, f"{path.name}: a table shows {len(rows)} of {total} rows"
        if path.stem == "cost":
            # the per-model table lists every model of the truth (the window is all of it)
            header, cells = next(t for t in _dom_tables(dom) if t[0][:2] == ["provider", "model"])
            models = {r[header.index("model")] for r in cells}
            truth_models = set(truth["canonical_model"].drop_nulls())
            assert truth_models <= models, (
                f"models missing from the report: {truth_models - models}"
            )
            assert "acme-llm-7b" in models and len(cells) > 10
    # one colour per model and per source, in every chart of every report
    assert {f for f, _ in colours} == {"model", "source_name"}
    clashes = {k: v for k, v in colours.items() if len(v) > 1}
    assert not clashes, f"a model or source changes colour between charts: {clashes}"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_marimo_run_serves_on_localhost_in_chromium(
    warehouse: Path, chromium: str, tmp_path: Path
) -> None:
    shots = warehouse / "screenshots"
    shots.mkdir(exist_ok=True)
    env = {**os.environ, "WAREHOUSE_DATA_DIR": str(warehouse), "PYTHONPYCACHEPREFIX": str(tmp_path)}
    for name in NOTEBOOKS:
        port = _free_port()
        cmd = [sys.executable, "-m", "marimo", "run", f"notebooks/{name}.py", "--headless",
               "--port", str(port), "--no-token"]  # fmt: skip
        server = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE, text=True)  # fmt: skip
        try:
            url = f"http://127.0.0.1:{port}/"
            deadline = time.monotonic() + 60
            while True:
                try:
                    urllib.request.urlopen(url, timeout=2).read()
                    break
                except OSError:
                    assert server.poll() is None, server.stderr.read() if server.stderr else ""
                    assert time.monotonic() < deadline, f"marimo run {name} did not start"
                    time.sleep(0.5)
            # marimo binds to localhost only: the machine's other addresses refuse.
            listening = _listening_addresses(port)
            assert listening and all(a in ("127.0.0.1", "::1") for a in listening), listening
            # A live app talks to its kernel over a websocket: wait in real time (CDP),
            # not in Chromium's virtual time, which starves the connection.
            dom = _render_live(chromium, tmp_path / f"run-{name}", url, shots / f"run-{name}.png")
            drawn, marks = _chart_stats(dom)
            assert drawn >= 1 and all(m > 0 for m in marks), f"{name}: {drawn} charts {marks}"
            assert "marimo-error" not in dom and "Traceback" not in dom
            # An open, idle notebook holds no lock (its connection closes after 1 s idle):
            # a refresh can write the warehouse while the page stays open.
            time.sleep(1.5)
            writer = duckdb.connect(str(warehouse / "warehouse.duckdb"))
            writer.close()
        finally:
            server.terminate()
            server.wait(timeout=20)


def _render_live(chromium: str, profile: Path, url: str, shot: Path) -> str:
    """Open ``url`` in headless Chromium over the DevTools protocol; wait until every cell
    has run and the charts are drawn; save a screenshot; return the DOM."""
    import base64

    from websockets.sync.client import connect as ws_connect

    port = _free_port()
    browser = subprocess.Popen(
        [*_chromium_cmd(chromium, profile), f"--remote-debugging-port={port}", "about:blank"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/json", timeout=2) as r:
                    pages = [t for t in json.load(r) if t["type"] == "page"]
                if pages:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, "chromium's devtools did not come up"
            time.sleep(0.3)
        with ws_connect(pages[0]["webSocketDebuggerUrl"], max_size=None) as ws:
            counter = iter(range(1, 1_000_000))

            def call(method: str, **params):
                msg_id = next(counter)
                ws.send(json.dumps({"id": msg_id, "method": method, "params": params}))
                while True:
                    msg = json.loads(ws.recv(timeout=60))
                    if msg.get("id") == msg_id:
                        return msg.get("result", {})

            def js(expression: str):
                res = call("Runtime.evaluate", expression=expression, returnByValue=True)
                return res.get("result", {}).get("value")

            call("Page.navigate", url=url)
            deadline = time.monotonic() + 90
            stable, last = 0, None
            while time.monotonic() < deadline:
                state = js(
                    "[document.querySelectorAll('.vega-embed').length,"
                    " document.querySelectorAll('.vega-embed svg .role-mark,"
                    " .vega-embed canvas').length,"
                    " document.querySelectorAll('[data-status=running],[data-status=queued]')"
                    ".length]"
                )
                if state and state[0] > 0 and state[2] == 0 and state == last:
                    stable += 1
                    if stable >= 3:
                        break
                else:
                    stable = 0
                last = state
                time.sleep(0.5)
            shot_data = call("Page.captureScreenshot", format="png", captureBeyondViewport=True)
            shot.write_bytes(base64.b64decode(shot_data["data"]))
            return js("document.documentElement.outerHTML") or ""
    finally:
        browser.terminate()
        browser.wait(timeout=20)


def _listening_addresses(port: int) -> list[str]:
    found = []
    for table, width in (("/proc/net/tcp", 8), ("/proc/net/tcp6", 32)):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.split(":")
            if state == "0A" and int(hex_port, 16) == port:
                if width == 8:
                    found.append(".".join(str(b) for b in reversed(bytes.fromhex(address))))
                else:
                    found.append("::1" if address == "0" * 24 + "01000000" else address)
    return found


# ---------------------------------------------------------------- headline figures


def test_analyses_quota_and_destructive_sql_match_truth(
    warehouse: Path, truth: pl.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    defs = _load("analyses", warehouse, monkeypatch)

    # text2sql's own limits per user (seed 002), windows in UTC
    limits = {"hour": ("1h", 1_000), "day": ("1d", 10_000), "month": ("1mo", 100_000)}
    t2s = truth.filter(pl.col("source_system") == "text2sql").with_columns(
        tokens=pl.col("input_tokens") + pl.col("output_tokens")
    )
    breaches = defs["breaches"]
    for kind, (every, limit) in limits.items():
        over = (
            t2s.group_by("user_key", pl.col("started_at").dt.truncate(every))
            .agg(pl.col("tokens").sum())
            .filter(pl.col("tokens") > limit)
        )
        shown = breaches.filter(pl.col("window_kind") == kind)
        assert shown.height == over.height > 0, kind
        assert shown["tokens"].sum() == over["tokens"].sum(), kind
    # statements that write or drop, read by hand from the demo's SQL
    writes = ("DELETE ", "UPDATE ", "INSERT ", "DROP ")
    with sqlite3.connect(warehouse / "demo" / "text2sql.db") as db:
        sql = [r[0] for r in db.execute("select sql_query from query_analytics")]
    expected = sum(s.startswith(writes) or "; DROP " in s for s in sql)
    assert defs["destructive"].height == expected > 0
    times = defs["destructive"]["generated_at"].to_list()
    assert times == sorted(times, reverse=True)


def test_analyses_feed_posts_match_truth(warehouse: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    defs = _load("analyses", warehouse, monkeypatch)
    copies = pl.read_parquet(warehouse / "demo" / "truth" / "feed_copies.parquet")
    shown = defs["feed_posts"].group_by("tenant_id").agg(pl.col("posts", "english").sum())
    want = copies.group_by("tenant_id").agg(
        pl.len().alias("posts"), (pl.col("language") == "en").sum().alias("english")
    )
    assert dict(shown.select("tenant_id", "posts").iter_rows()) == dict(
        want.select("tenant_id", "posts").iter_rows()
    )
    assert dict(shown.select("tenant_id", "english").iter_rows()) == dict(
        want.select("tenant_id", "english").iter_rows()
    )
    # the most repeated caption first: as often as the truth's most repeated one
    top = copies.group_by("tenant_id", "caption_key").len()["len"].max()
    assert defs["caption_repeats"]["posts"][0] == top


def test_usage_totals_match_truth(
    warehouse: Path, truth: pl.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    defs = _load("usage", warehouse, monkeypatch)

    assert defs["total_requests"] == truth.height
    assert defs["total_errors"] == truth.filter(pl.col("status") == "error").height
    both = truth.drop_nulls(["input_tokens", "output_tokens"])
    assert (
        defs["total_tokens"] == both.select(pl.sum("input_tokens") + pl.sum("output_tokens")).item()
    )


def test_usage_failures_and_spenders_match_truth(
    warehouse: Path, truth: pl.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    from demo import ERROR_CAUSES

    defs = _load("usage", warehouse, monkeypatch)
    # failed calls by class, model and source: the generator's cause of each message
    failed = truth.filter(pl.col("status") == "error").with_columns(
        cause=pl.col("error_message").replace_strict(ERROR_CAUSES, return_dtype=pl.String),
        model=pl.col("canonical_model").fill_null("(no model)"),
    )
    calls = truth.with_columns(model=pl.col("canonical_model").fill_null("(no model)"))
    calls = calls.group_by(["model", "source_name"]).len("calls")
    want = (
        failed.group_by(["cause", "model", "source_name"])
        .len("failed")
        .join(calls, on=["model", "source_name"])
    )
    want_rows = {(c, m, s): (f, n) for c, m, s, f, n in want.rows()}
    got = defs["failures"]
    got_rows = {
        (r["error_class"], r["model"], r["source_name"]): (r["failed_calls"], r["calls"])
        for r in got.iter_rows(named=True)
    }
    assert got_rows == want_rows
    # the top messages: the demo writes no ids, so masking merges only numbers
    assert defs["top_messages"]["failed_calls"].sum() <= failed.height
    assert defs["top_messages"]["failed_calls"].to_list() == sorted(
        defs["top_messages"]["failed_calls"].to_list(), reverse=True
    )
    # who spends: named users first, (no user) once per source that logs none, last
    users = defs["top_users"]
    no_user = users.filter(pl.col("user_id").str.starts_with("(no user)"))
    assert users.tail(no_user.height)["user_id"].to_list() == no_user["user_id"].to_list()
    sources_without_users = set(truth.filter(pl.col("user_key").is_null())["source_name"])
    assert {u.split(" ", 2)[2] for u in no_user["user_id"]} == sources_without_users
    per_user = truth.filter(pl.col("user_key").is_not_null()).with_columns(
        user_id=pl.col("source_name") + ":" + pl.col("user_key")
    )
    want_calls = dict(per_user.group_by("user_id").len().rows())
    named = users.head(users.height - no_user.height)
    assert named.height == 15
    for r in named.iter_rows(named=True):
        assert r["calls"] == want_calls[r["user_id"]], r
    # the costliest sessions: calls and wall-clock minutes (first start to last end)
    timed = truth.filter(pl.col("session_key").is_not_null()).with_columns(
        session_id=pl.col("source_name") + ":" + pl.col("session_key"),
        ended=pl.col("started_at")
        + pl.duration(microseconds=(pl.col("latency_ms").fill_null(0) * 1000).cast(pl.Int64)),
    )
    spans = timed.group_by("session_id").agg(
        pl.len().alias("calls"),
        ((pl.col("ended").max() - pl.col("started_at").min()).dt.total_microseconds() / 6e7).alias(
            "minutes"
        ),
    )
    want_sessions = {s: (n, m) for s, n, m in spans.rows()}
    top = defs["top_sessions"]
    assert top.height == 15
    for r in top.iter_rows(named=True):
        calls, minutes = want_sessions[r["session_id"]]
        assert r["calls"] == calls and r["minutes"] == pytest.approx(minutes, abs=0.051), r
        assert r["steps"] >= 1 or r["session_id"].startswith("demo_otel_genai:"), r


def test_cost_per_model_matches_list_price_of_truth(
    warehouse: Path, truth: pl.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    defs = _load("cost", warehouse, monkeypatch)

    # Models whose raw string is the canonical one in every demo system, so no alias
    # mapping is needed; o3's list price changed on 2025-06-10, inside the window.
    got = dict(defs["per_model"].select("model", "cost_usd").iter_rows())
    for model in ("o3", "gpt-3.5-turbo"):
        rows = truth.filter((pl.col("model_raw") == model) & pl.col("input_tokens").is_not_null())
        expected = sum(
            (
                Decimal(str(calc_price(
                    Usage(input_tokens=r["input_tokens"], output_tokens=r["output_tokens"]),
                    model, provider_id="openai", genai_request_timestamp=r["started_at"],
                ).total_price))
                for r in rows.iter_rows(named=True)
            ),
            Decimal(0),
        )  # fmt: skip
        assert rows.height > 0
        assert got[model] == pytest.approx(expected, abs=Decimal("1e-6")), model
    assert defs["wh"].usd(None) == "unknown"  # an unknown cost is never shown as $0


def _latency_controls(truth: pl.DataFrame, model: str) -> dict:
    """The latency notebook's controls cell replaced: the whole window, one model."""
    import marimo as mo

    first = truth.select(pl.col("started_at").min().dt.date()).item()
    last = truth.select(pl.col("started_at").max().dt.date()).item()
    return {
        "date_range": mo.ui.date_range(start=first, stop=last, value=(first, last)),
        "percentile": mo.ui.dropdown({"p95": "p95_ms"}, value="p95"),
        "chosen_model": mo.ui.dropdown([model], value=model),
        "models": [model],
    }


def test_latency_window_p95_matches_truth(
    warehouse: Path, truth: pl.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    # llama3.2: two raw strings (llama3.2, llama3.2:latest), one source, local
    defs = _load("latency", warehouse, monkeypatch, _latency_controls(truth, "llama3.2"))

    timed = truth.filter(
        (pl.col("canonical_model") == "llama3.2")
        & (pl.col("status") == "success")
        & pl.col("latency_ms").is_not_null()
    )["latency_ms"].to_numpy()
    assert defs["window_calls"] == len(timed) > 0
    assert defs["window_p95_ms"] == pytest.approx(np.percentile(timed, 95))
    assert defs["window_p50_ms"] == pytest.approx(np.percentile(timed, 50))


def test_latency_percentiles_over_sources_match_numpy(
    warehouse: Path, truth: pl.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    """gpt-4o-mini is served by several sources: each day's percentiles are those of all
    its calls together (numpy's linear percentiles of the truth), not an average of the
    per-source percentiles."""
    defs = _load("latency", warehouse, monkeypatch, _latency_controls(truth, "gpt-4o-mini"))

    timed = truth.filter(
        (pl.col("canonical_model") == "gpt-4o-mini")
        & (pl.col("status") == "success")
        & pl.col("latency_ms").is_not_null()
    ).with_columns(pl.col("started_at").dt.date().alias("day"))
    assert timed["source_name"].n_unique() >= 3
    got = defs["by_model"].filter(pl.col("model") == "gpt-4o-mini").sort("usage_date")
    days = timed.group_by("day").agg(pl.col("latency_ms"), pl.col("source_name").n_unique())
    assert got["usage_date"].to_list() == sorted(days["day"].to_list())
    averaged_differs = False
    for day, latencies, n_sources in days.sort("day").iter_rows():
        row = got.filter(pl.col("usage_date") == day).row(0, named=True)
        values = np.array(latencies)
        assert row["requests_with_latency"] == len(values)
        assert row["sources"] == n_sources
        for q in (50, 90, 95, 99):
            assert row[f"p{q}_ms"] == pytest.approx(np.percentile(values, q)), (day, q)
        assert row["max_ms"] == pytest.approx(values.max())
        # the old figure, the request-weighted mean of per-source p95s, is another number
        per_source = (
            timed.filter(pl.col("day") == day)
            .group_by("source_name")
            .agg(pl.col("latency_ms").quantile(0.95, "linear").alias("p95"), pl.len().alias("n"))
        )
        mean_p95 = per_source.select((pl.col("p95") * pl.col("n")).sum() / pl.sum("n")).item()
        averaged_differs |= abs(mean_p95 - row["p95_ms"]) > 1
    assert averaged_differs


def test_quality_refresh_runs_match_landing(
    warehouse: Path, truth: pl.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After one nightly refresh on a fresh warehouse, the notebook's run log says, per
    source, what the landing zone holds: rows landed = rows of the source's Parquet files."""
    import pyarrow.parquet as pq

    defs = _load("quality", warehouse, monkeypatch)

    runs = defs["last_run_per_source"]
    sources = sorted(truth["source_name"].unique())
    assert runs["source_name"].to_list() == sources
    for row in runs.iter_rows(named=True):
        files = list((warehouse / "landing").glob(f"*/{row['source_name']}/*/*.parquet"))
        assert files
        landed = sum(pq.ParquetFile(f).metadata.num_rows for f in files)
        assert row["rows_landed"] == landed > 0, row["source_name"]
        assert row["status"] == "ok" and row["error_message"] is None
        assert row["started_at"] <= row["finished_at"]
    whole = defs["refresh_runs"].filter(pl.col("scope") == "refresh")
    assert whole.height == 1
    assert whole["rows_landed"][0] == runs["rows_landed"].sum()
    models = [
        p for p in (REPO / "dbt_project" / "models").rglob("*") if p.suffix in (".sql", ".py")
    ]
    assert whole["models_built"][0] == len(models)


def test_quality_says_when_no_refresh_ran(
    warehouse: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A warehouse built by hand has an empty run log (only runlog/_empty.parquet): the
    notebook says so in words, with no cell error."""
    import marimo as mo

    runlog = warehouse / "runlog"
    moved = [f for f in runlog.glob("*.parquet") if f.name != "_empty.parquet"]
    assert moved and (runlog / "_empty.parquet").is_file()
    try:
        for f in moved:
            f.rename(tmp_path / f.name)
        monkeypatch.setenv("WAREHOUSE_DATA_DIR", str(warehouse))
        spec = importlib.util.spec_from_file_location(
            "quality_empty", REPO / "notebooks/quality.py"
        )
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        outputs, defs = module.app.run()
    finally:
        for f in moved:
            (tmp_path / f.name).rename(f)
    assert defs["refresh_runs"].height == 0 and defs["runs_error"] is None
    page = "".join(mo.as_html(o).text for o in outputs if o is not None)
    assert "No refresh has run yet" in page


def test_quality_freshness_matches_truth(
    warehouse: Path, truth: pl.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    defs = _load("quality", warehouse, monkeypatch)

    expected = truth.group_by("source_name").agg(
        pl.len().alias("calls"), pl.col("started_at").max().alias("last_call_at")
    )
    got = defs["freshness"].select("source_name", "calls", "last_call_at")
    assert dict(got.select("source_name", "calls").iter_rows()) == dict(
        expected.select("source_name", "calls").iter_rows()
    )
    for source, last in expected.select("source_name", "last_call_at").iter_rows():
        row = got.filter(pl.col("source_name") == source)
        assert row["last_call_at"][0].astimezone(dt.UTC) == last.astimezone(dt.UTC)
    balance = defs["accounting"]
    assert balance.height == 6 and (balance["unexplained"] == 0).all()  # one per source


# ---------------------------------------------------------------- report failures


def test_big_table_shows_top_n_and_says_so() -> None:
    from warehouse import notebook_support as wh

    frame = pl.DataFrame({"model": [f"m{i:03d}" for i in range(150)], "calls": range(150)})
    page = wh.table(frame, order="most calls first").text
    assert "100 of 150 rows shown, most calls first." in page
    (element,) = re.findall(r"<marimo-table\b[^>]*>", page)
    rows, total = reports.table_rows(element)
    assert total == len(rows) == 100 and rows[-1]["model"] == "m099"
    small = wh.table(frame.head(12)).text  # all rows, one page, no note
    assert "rows shown" not in small
    rows, total = reports.table_rows(re.findall(r"<marimo-table\b[^>]*>", small)[0])
    assert total == len(rows) == 12
    with pytest.raises(RuntimeError, match="carries 10 of its 12 rows"):
        reports._check_tables_whole(_paged_table(frame.head(12)), "x.py")


def _paged_table(frame: pl.DataFrame) -> str:
    """A plain ``mo.ui.table``: marimo sends its first page (10 rows) only."""
    import marimo as mo

    return mo.ui.table(frame, selection=None).text


@pytest.mark.parametrize(
    ("returncode", "stderr", "message"),
    [
        (1, "FileNotFoundError: No warehouse at /x\nnanobind: leaked 2 types!", "No warehouse at"),
        (0, "Failed to get mimebundle from chart: Decimal", "a chart could not be rendered"),
    ],
)
def test_export_failure_names_the_notebook(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, returncode: int, stderr: str, message: str
) -> None:
    # The renderer itself is stubbed: a real failing run costs ~10 s and shows nothing more.
    def fake_export(notebook: Path, output: Path, env: dict[str, str]):
        output.write_text("<html>half</html>")
        return subprocess.CompletedProcess([], returncode, stdout="", stderr=stderr)

    monkeypatch.setattr(reports, "_run_export", fake_export)
    with pytest.raises(RuntimeError, match=r"usage\.py") as raised:
        export_notebooks(tmp_path, ["usage"])
    assert message in str(raised.value)
    assert "nanobind" not in str(raised.value)
    assert list((tmp_path / "reports").iterdir()) == []  # nothing half-written left


# ---------------------------------------------------------------- formatting helpers


def test_usd_never_shows_a_non_zero_cost_as_zero() -> None:
    from warehouse import notebook_support as wh

    assert wh.usd(None) == "unknown"
    assert wh.usd(0) == "$0.00"  # a free (local) call is a real $0
    assert wh.usd(Decimal("0.0042")) == "$0.0042"
    assert wh.usd(0.000013) == "$0.000013"
    assert wh.usd(Decimal("-0.004")) == "$-0.0040"
    assert wh.usd(Decimal("1234.5")) == "$1,234.50"
    assert wh.count(1234567) == "1,234,567"


def test_percentages_and_minutes_keep_one_decimal() -> None:
    from warehouse import notebook_support as wh

    frame = pl.DataFrame(
        {"failed_pct": [1.0, 6.84], "minutes": [1234.56, None], "p95_ms": [1.0, 2.0]}
    )
    formats = wh.readable_formats(frame)
    assert [formats["failed_pct"](v) for v in frame["failed_pct"]] == ["1.0", "6.8"]
    assert [formats["minutes"](v) for v in frame["minutes"]] == ["1,234.6", "–"]
    assert "p95_ms" not in formats  # other floats keep marimo's own format


def test_wilson_interval_hand_worked() -> None:
    from warehouse import notebook_support as wh

    # 1 of 1 with z = 1.96: (1 + z²/2 ± z·sqrt(z²/4)) / (1 + z²) -> 0.2065 .. 1
    low, high = wh.wilson_interval(1, 1)
    assert round(low, 2) == 20.65 and high == 100.0
    # 10 of 100: centre 0.11 / 1.0384..., textbook interval 5.52 % .. 17.44 %
    low, high = wh.wilson_interval(10, 100)
    assert (round(low, 2), round(high, 2)) == (5.52, 17.44)
    sql_low, sql_high = wh.wilson_sql("e", "n")
    got = duckdb.execute(f"select {sql_low}, {sql_high} from (select 10 as e, 100 as n)").fetchone()
    assert got is not None and (round(got[0], 2), round(got[1], 2)) == (5.52, 17.44)


def test_masked_messages_count_as_one() -> None:
    from warehouse import notebook_support as wh

    messages = [
        "upstream timeout after 30000ms",
        "upstream timeout after 30017ms",
        "Error code: 429 - Rate limit reached for gpt-4o-mini (req_8fK2a)",
        "Error code: 429 - Rate limit reached for gpt-4o-mini (req_Zz91q)",
        "job 3f2a9b8c-1234-4567-89ab-0123456789ab failed",
    ]
    masked = [
        duckdb.execute(f"select {wh.masked_message_sql('?')}", [m]).fetchone()[0]  # type: ignore[index]
        for m in messages
    ]
    assert masked == [
        "upstream timeout after <n>",
        "upstream timeout after <n>",
        "Error code: <n> - Rate limit reached for gpt-4o-mini (<id>)",
        "Error code: <n> - Rate limit reached for gpt-4o-mini (<id>)",
        "job <id> failed",
    ]
