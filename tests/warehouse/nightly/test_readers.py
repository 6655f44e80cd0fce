"""Readers and the refresh (issue #12, item 8): an analyst's open connection to
$WAREHOUSE_DATA_DIR/warehouse.duckdb neither blocks the nightly refresh nor sees half
of it. Two readers run while `make nightly` adds a day: one holds a single connection
for the whole refresh (as a BI tool or the duckdb CLI would), one reconnects for every
query (as a notebook does). Every query compares three marts that must agree: calls in
generations, requests in daily_usage, requests in model_costs."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from tests.support.cli import demo, demo_env, make

pytestmark = pytest.mark.e2e

READER = r"""
import sys, time, duckdb
path, out, stop, mode = sys.argv[1:5]
query = (
    "select (select count(*) from marts.generations), "
    "(select sum(requests) from marts.daily_usage), "
    "(select sum(requests) from marts.model_costs)"
)
con = duckdb.connect(path, read_only=True) if mode == "hold" else None
with open(out, "w") as f:
    print("ready", flush=True)
    while True:
        if mode == "hold":
            row = con.execute(query).fetchone()
        else:
            with duckdb.connect(path, read_only=True) as c:
                row = c.execute(query).fetchone()
        f.write(",".join(str(v) for v in row) + "\n")
        f.flush()
        try:
            open(stop).close()
            break
        except FileNotFoundError:
            time.sleep(0.05)
"""


def _reader(readers_db: Path, out: Path, stop: Path, mode: str) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-c", READER, str(readers_db), str(out), str(stop), mode],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    return proc


def test_a_reader_holding_the_warehouse_open_sees_old_or_new_never_a_mix(tmp_path):
    data, src = tmp_path / "wh", tmp_path / "src"
    env = demo_env(data, src / "sources.toml", NIGHTLY_ARGS="--no-notebooks")
    old = demo(src, 3, 100, "2025-06-23")
    make(env, "nightly")
    new = demo(src, 4, 100, "2025-06-24")  # a fourth day arrives
    assert new.height > old.height

    stop = tmp_path / "stop"
    readers = {
        mode: _reader(data / "warehouse.duckdb", tmp_path / f"{mode}.csv", stop, mode)
        for mode in ("hold", "reconnect")
    }
    try:
        time.sleep(0.5)  # both have queried the old marts
        make(env, "nightly")  # with a connection held open the whole time
        time.sleep(0.5)  # the reconnecting reader has seen the new marts
    finally:
        stop.touch()
        for proc in readers.values():
            _out, err = proc.communicate(timeout=60)
            assert proc.returncode == 0, err[-3000:]

    seen = {
        mode: {tuple(int(v) for v in line.split(",")) for line in (tmp_path / f"{mode}.csv").open()}
        for mode in readers
    }
    before, after = (old.height,) * 3, (new.height,) * 3
    # the held connection keeps the marts it opened, whole
    assert seen["hold"] == {before}
    # a new connection sees the old marts, then the new ones; no query saw a mix
    assert seen["reconnect"] == {before, after}
    with duckdb.connect(str(data / "warehouse.duckdb"), read_only=True) as con:
        assert con.execute("select count(*) from marts.generations").fetchone() == (new.height,)
