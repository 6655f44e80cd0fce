"""The refresh lock: one holder at a time, released by the kernel when its holder dies."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from tests.support.cli import REPO
from warehouse import nightly

HOLDER = """
import sys, time
from pathlib import Path
from warehouse.nightly import refresh_lock
with refresh_lock(Path(sys.argv[1])):
    print("locked", flush=True)
    time.sleep(float(sys.argv[2]))
"""


def _holder(data_dir: Path, seconds: float) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(data_dir), str(seconds)],
        cwd=REPO, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert proc.stdout is not None and proc.stdout.readline().strip() == "locked"
    return proc


def test_second_refresh_is_refused_with_the_holders_pid(tmp_path):
    holder = _holder(tmp_path, 60)
    try:
        with (
            pytest.raises(nightly.LockedError, match=f"pid {holder.pid} "),
            nightly.refresh_lock(tmp_path),
        ):
            pass
    finally:
        holder.kill()
        holder.wait()


def test_lock_of_a_killed_run_is_recovered(tmp_path):
    holder = _holder(tmp_path, 60)
    os.kill(holder.pid, signal.SIGKILL)  # no cleanup code runs
    holder.wait()
    assert (tmp_path / nightly.LOCK_NAME).exists()  # the file stays; the lock does not
    with nightly.refresh_lock(tmp_path) as path:
        assert f"pid {os.getpid()} " in path.read_text()


def test_waiting_refresh_starts_when_the_holder_finishes(tmp_path):
    holder = _holder(tmp_path, 2)
    t0 = time.monotonic()
    with nightly.refresh_lock(tmp_path, wait=30):
        waited = time.monotonic() - t0
    holder.wait()
    assert holder.returncode == 0
    assert 0.5 < waited < 30


def test_cli_exits_75_with_a_message_while_locked(tmp_path):
    holder = _holder(tmp_path / "wh", 60)
    try:
        env = dict(os.environ, WAREHOUSE_DATA_DIR=str(tmp_path / "wh"))
        env["WAREHOUSE_SOURCES"] = str(tmp_path / "none.toml")  # never read: locked first
        proc = subprocess.run(
            [sys.executable, "-m", "warehouse", "nightly"],
            cwd=REPO, env=env, capture_output=True, text=True,
        )  # fmt: skip
    finally:
        holder.kill()
        holder.wait()
    assert proc.returncode == nightly.EXIT_LOCKED
    assert "another nightly refresh" in proc.stderr and f"pid {holder.pid}" in proc.stderr


def test_runlog_file_is_typed_and_complete(tmp_path):
    import datetime as dt

    now = dt.datetime(2025, 6, 24, 3, 0, tzinfo=dt.UTC)
    row: dict[str, object] = {f.name: None for f in nightly.RUNLOG_SCHEMA}
    row.update(refresh_id="r1", scope="refresh", status="ok", started_at=now, rows_landed=7)
    path = nightly.write_runlog(tmp_path, "r1", [row])
    assert path.name == "r1.parquet"
    assert not list((tmp_path / "runlog").glob(".*"))  # no temporary file left
    table = pq.read_table(path)
    assert table.schema.equals(nightly.RUNLOG_SCHEMA)
    assert table.to_pylist() == [row]
    assert pq.read_table(tmp_path / "runlog" / "_empty.parquet").num_rows == 0
