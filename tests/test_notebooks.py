"""The notebooks on a small demo warehouse: lint, run as a script, marimo's own HTML export,
the offline reports and `marimo run` opened in headless Chromium (charts drawn, screenshots
kept under the data dir), and one headline figure per notebook against the generator's
truth, computed here independently (polars, numpy, genai-prices' own calc_price)."""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import os
import re
import shutil
import socket
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

from ingest import reports
from ingest.reports import export_notebooks, notebook_paths

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = ["cost", "latency", "quality", "usage"]
DAYS, CALLS_PER_DAY, END = 6, 400, "2025-06-12"

# Canonical (provider, model) of every raw model string the demo writes, by hand.
CANONICAL = {
    (None, "gpt-4o-mini"): ("openai", "gpt-4o-mini"),
    (None, "gpt-4o"): ("openai", "gpt-4o"),
    (None, "gpt-3.5-turbo"): ("openai", "gpt-3.5-turbo"),
    (None, "gpt-4o-mini-2024-07-18"): ("openai", "gpt-4o-mini"),
    (None, "GPT-4o-mini"): ("openai", "gpt-4o-mini"),
    (None, "openai/gpt-4o"): ("openai", "gpt-4o"),
    (None, "claude-3-5-sonnet-20241022"): ("anthropic", "claude-3-5-sonnet"),
    (None, "o3"): ("openai", "o3"),
    (None, "acme-llm-7b"): (None, "acme-llm-7b"),
    ("ollama", "llama3.2"): ("ollama", "llama3.2"),
    ("openai", "gpt-4o-mini"): ("openai", "gpt-4o-mini"),
}


def _run(args: list[str], env: dict[str, str], timeout: int = 600) -> None:
    proc = subprocess.run(args, cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, f"{args} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = tmp_path_factory.mktemp("nb_warehouse")
    env = dict(os.environ, WAREHOUSE_DATA_DIR=str(data))
    env["WAREHOUSE_SOURCES"] = str(data / "demo" / "sources.toml")
    py = sys.executable
    _run([py, "-m", "ingest", "demo", "--days", str(DAYS), "--calls-per-day",
          str(CALLS_PER_DAY), "--end-date", END], env)  # fmt: skip
    _run([py, "-m", "ingest", "extract"], env)
    _run([py, "-m", "ingest", "build"], env)
    return data


@pytest.fixture(scope="module")
def truth(warehouse: Path) -> pl.DataFrame:
    frame = pl.read_parquet(warehouse / "demo" / "truth" / "generations.parquet")
    canonical = [
        CANONICAL.get((p, m), (None, None)) if m is not None else (None, None)
        for p, m in zip(frame["provider"], frame["model_raw"], strict=True)
    ]
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


def test_default_notebooks_are_the_four() -> None:
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


def test_offline_reports_render_in_chromium(warehouse: Path, chromium: str, tmp_path: Path) -> None:
    paths = export_notebooks(warehouse)

    assert [p.name for p in paths] == [f"{n}.html" for n in NOTEBOOKS]
    assert sorted(p.name for p in (warehouse / "reports").iterdir()) == [p.name for p in paths]
    shots = warehouse / "screenshots"
    shots.mkdir(exist_ok=True)
    for path in paths:
        source = path.read_text()
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
        leftover = set(re.findall(r"<(marimo-[a-z-]+)", dom)) - {"marimo-ui-element"}
        assert not leftover, f"{path.name}: not drawn offline: {leftover}"


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


def _list_price(row: dict) -> Decimal | None:
    provider, model = row["canonical_provider"], row["canonical_model"]
    if model is None or provider is None or row["input_tokens"] is None:
        return None
    if provider == "ollama":
        return Decimal(0)
    price = calc_price(
        Usage(input_tokens=row["input_tokens"], output_tokens=row["output_tokens"]),
        row["model_raw"],
        provider_id=provider,
        genai_request_timestamp=row["started_at"],
    )
    return Decimal(str(price.total_price))


def test_usage_totals_match_truth(
    warehouse: Path, truth: pl.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    defs = _load("usage", warehouse, monkeypatch)

    assert defs["total_requests"] == truth.height
    assert defs["total_errors"] == truth.filter(pl.col("status") == "error").height
    both = truth.drop_nulls(["input_tokens", "output_tokens"])
    assert defs["total_tokens"] == int(both["input_tokens"].sum() + both["output_tokens"].sum())


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


def test_latency_window_p95_matches_truth(
    warehouse: Path, truth: pl.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    import marimo as mo

    # The controls' cell replaced: the whole window, and llama3.2 (one raw string, local).
    first = truth["started_at"].min().date()
    last = truth["started_at"].max().date()
    controls = {
        "date_range": mo.ui.date_range(start=first, stop=last, value=(first, last)),
        "percentile": mo.ui.dropdown({"p95": "p95_ms"}, value="p95"),
        "chosen_model": mo.ui.dropdown(["llama3.2"], value="llama3.2"),
        "models": ["llama3.2"],
    }
    defs = _load("latency", warehouse, monkeypatch, controls)

    timed = truth.filter(
        (pl.col("model_raw") == "llama3.2")
        & (pl.col("status") == "success")
        & pl.col("latency_ms").is_not_null()
    )["latency_ms"].to_numpy()
    assert defs["window_calls"] == len(timed) > 0
    assert defs["window_p95_ms"] == pytest.approx(np.percentile(timed, 95))
    assert defs["window_p50_ms"] == pytest.approx(np.percentile(timed, 50))


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
    assert balance.height == 5 and (balance["unexplained"] == 0).all()


# ---------------------------------------------------------------- report failures


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
