"""The same landing zone built by DuckDB and by Spark (WAREHOUSE_ENGINE=spark, dbt-spark's
session method): every row of every mart equal, matched on the mart's grain.

Small on purpose (the suite's time): one demo of two days with the bad-input catalogue
planted, one dbt build per engine (one Spark session). Two days span a UTC day boundary;
60 calls a day give every mart rows, the otel_genai source streamed calls (time to first
token), and failed calls of two error classes (every class is the singular test
assert_classify_error_cases, which the Spark build runs). On Spark the build
runs every seed, model, unit test and data test of the project's own SQL (singular tests,
unique_combination) but not dbt's built-in generic tests (not_null, unique,
accepted_values, relationships: dbt-spark's own SQL, three quarters of the tests and of
Spark's time here); bench.spark's full builds run them all. The comparison is bench/spark.py's
`compare_marts`; the nightly refresh on Spark and the scale case are in
`python -m bench.spark` (make bench). Spark needs Java 17+: installed here when missing
(CI runs as root on Debian), never skipped.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import duckdb
import pytest

from bench.spark import compare_marts
from tests.support.cli import cli, demo_env
from warehouse import dbt_runner

# dbt's built-in generic tests: dbt-spark's SQL, not the project's (see above)
BUILT_IN_TESTS = ("not_null", "unique", "accepted_values", "relationships")

DAYS, CALLS_PER_DAY, END = 2, 60, "2025-06-12"


def _java_major() -> int:
    if shutil.which("java") is None:
        return 0
    out = subprocess.run(["java", "-version"], capture_output=True, text=True).stderr
    found = re.search(r'version "(\d+)', out)
    return int(found[1]) if found else 0


@pytest.fixture(scope="module")
def java() -> None:
    """Java 17+ for Spark, installed when missing (as test_deploy installs systemd)."""
    if _java_major() < 17:
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
        subprocess.run(
            ["apt-get", "install", "-y", "-qq", "openjdk-17-jre-headless"], check=True, env=env
        )
    assert _java_major() >= 17, "Java 17+ could not be installed"


@pytest.fixture(scope="module")
def built(java, tmp_path_factory) -> Path:
    data = tmp_path_factory.mktemp("parity")
    env = demo_env(data)
    env.pop("WAREHOUSE_ENGINE", None)
    cli(env, "demo", "--days", str(DAYS), "--calls-per-day", str(CALLS_PER_DAY),
        "--end-date", END, "--bad-input")  # fmt: skip
    cli(env, "extract")
    cli(env, "build")  # DuckDB
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("WAREHOUSE_ENGINE", "spark")
        # tiny data: one shuffle partition is enough, and each Spark stage is one task
        mp.setenv("WAREHOUSE_SPARK_SHUFFLE_PARTITIONS", "1")
        exclude = [f"test_name:{name}" for name in BUILT_IN_TESTS]
        spark = dbt_runner.run(data, "build", "--exclude", *exclude, echo=lambda _line: None)
    assert spark.ok, "\n".join(spark.problems + spark.errors)[-6000:]
    return data


def test_every_mart_row_equal_on_duckdb_and_spark(built: Path) -> None:
    problems, compared = compare_marts(built)
    assert problems == [], "\n".join(problems[:40])
    # every mart stored as a table was compared, and none trivially (no rows on both)
    con = duckdb.connect(str(built / "builder.duckdb"), read_only=True)
    tables = {
        t
        for (t,) in con.execute(
            "select table_name from information_schema.tables "
            "where table_schema = 'marts' and table_type = 'BASE TABLE'"
        ).fetchall()
    }
    assert set(compared) == tables, tables ^ set(compared)
    assert {m for m, n in compared.items() if n == 0} == set()


def test_the_demo_reaches_what_the_engines_compute_differently(built: Path) -> None:
    """The rows compared hold what each engine's SQL differs on (macros/cross_db): every
    set-aside rule of the catalogue, error classes (regular expressions), time to first
    token and span durations (otel_genai, epoch arithmetic), percentiles (arrays)."""
    con = duckdb.connect(str(built / "builder.duckdb"), read_only=True)
    rules = {
        r for (r,) in con.execute("select distinct rule from marts.quarantined_rows").fetchall()
    }
    planted = {
        "unreadable_value", "negative_tokens", "timestamp_before_2020", "timestamp_in_future",
        "missing_timestamp", "missing_key", "duplicate_key", "negative_latency",
        "absurd_latency", "absurd_tokens",
    }  # fmt: skip
    assert planted <= rules, planted - rules
    ((classes, ttft, rates, spans),) = con.execute(
        "select count(distinct error_class), count(time_to_first_token_ms), "
        "count(output_tokens_per_second), "
        "count(*) filter (where source_system = 'otel_genai' and latency_ms > 0) "
        "from marts.generations"
    ).fetchall()
    assert classes >= 2 and ttft > 0 and rates > 0 and spans > 0
    ((p95,),) = con.execute(
        "select count(p95_ms) from marts.latency_percentiles where p95_ms > 0"
    ).fetchall()
    assert p95 > 0
