"""A nightly refresh reads only the landing files of new loads, and a load that rewrites
old rows of several old days gives, refreshed, what a full rebuild gives.

The spy: after a first refresh and a new extract, every landing file the first refresh
processed is overwritten with bytes that are not Parquet (in place, so every hard link
of it in the landing versions reads the same garbage). DuckDB fails on such a file as
soon as it opens it, even for its footer, so the refresh's dbt build succeeds only if no
model and no test opens one. Its marts are then compared, every row of every mart,
with a full rebuild of an intact copy of the same warehouse."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import duckdb
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from tests.support.cli import cli, demo_env, demo_sources
from tests.support.marts import marts
from warehouse import dbt_runner
from warehouse.nightly import dbt_build_args
from warehouse.publish import BUILDER_DB

GARBAGE = b"not a parquet file: the refresh must not open this load again\n"
# marts.source_freshness (the only mart with these columns) says how old each source is
# as of its build
BUILD_TIME_COLUMNS = ("checked_at", "hours_since_load")
CALLS_PER_DAY = 100
# text2sql calls of three old days (UTC) whose tokens change at the source, and one
# call that moves from the first of them to another old day
CHANGED_DAYS = ("2025-06-02", "2025-06-09", "2025-06-16")
MOVED_TO = "2025-06-12 12:00:00"
NEW_TOKENS = 424242


def _landed_load_files(data_dir: Path) -> set[Path]:
    """The load files of every landed source, as paths through the source's link (the
    empty placeholders, the registry and parked sources left out)."""
    root = data_dir / "landing"
    return {
        p.relative_to(root)
        for system in root.iterdir()
        if not system.name.startswith((".", "_"))
        for source in system.iterdir()
        if not source.name.startswith("_")
        for p in source.glob("*/*.parquet")
    }


def _change_old_calls(db: Path) -> tuple[list[str], str, str]:
    """Rewrite the tokens of two text2sql calls on each of CHANGED_DAYS, move one of them
    to another day, and delete one user: return the changed ids, the moved id and the
    deleted user's id."""
    con = sqlite3.connect(db)
    with con:
        ids = [
            row[0]
            for day in CHANGED_DAYS
            for row in con.execute(
                "select id from query_analytics where date(timestamp) = ? "
                "and prompt_tokens is not null and completion_tokens is not null "
                "order by id limit 2",
                (day,),
            )
        ]
        assert len(ids) == 2 * len(CHANGED_DAYS)
        con.executemany(
            "update query_analytics set prompt_tokens = ?, "
            "total_tokens = ? + completion_tokens where id = ?",
            [(NEW_TOKENS, NEW_TOKENS, i) for i in ids],
        )
        con.execute("update query_analytics set timestamp = ? where id = ?", (MOVED_TO, ids[0]))
        # a user of no call leaves the source: gone from users after the refresh
        deleted = con.execute(
            "select id from users where id not in (select user_id from query_analytics) "
            "and id not in (select user_id from chat_sessions) order by id limit 1"
        ).fetchone()
        if deleted is None:  # every user has calls: take any, the marts still compare
            deleted = con.execute("select id from users order by id limit 1").fetchone()
        con.execute("delete from users where id = ?", deleted)
    con.close()
    return ids, ids[0], deleted[0]


def _with_lookback(sources_toml: Path, source: str, hours: int) -> None:
    """Give one source of the demo's sources file a look-back reaching the old days."""
    text = sources_toml.read_text()
    line = f'name = "{source}"\n'
    assert line in text
    sources_toml.write_text(text.replace(line, f"{line}lookback_hours = {hours}\n"))


def _marts(data_dir: Path) -> dict[str, pl.DataFrame]:
    """Every relation of the marts schema of the builder's database, sorted."""
    return marts(data_dir, db=BUILDER_DB, drop=BUILD_TIME_COLUMNS)


@pytest.fixture(scope="module")
def refreshed(tmp_path_factory, builds_a_warehouse):
    tmp = tmp_path_factory.mktemp("landing_reads")
    data_dir, src = tmp / "wh", tmp / "src"
    env = demo_env(data_dir, src / "sources.toml")
    demo_sources(src, 30, CALLS_PER_DAY, "2025-06-23")
    cli(env, "nightly", "--no-notebooks")  # the first refresh: everything is new
    processed = _landed_load_files(data_dir)

    # day 31 arrives, old calls of three old days change, a user is deleted; the
    # text2sql source re-reads 40 days, so its load lands the changed rows again
    demo_sources(src, 31, CALLS_PER_DAY, "2025-06-24")
    changed, moved, deleted_user = _change_old_calls(src / "text2sql.db")
    _with_lookback(src / "sources.toml", "demo_text2sql", 40 * 24)
    cli(env, "extract")

    intact = tmp / "intact"
    shutil.copytree(data_dir, intact, symlinks=True)
    spied = [data_dir / "landing" / p for p in processed if (data_dir / "landing" / p).exists()]
    for path in spied:
        path.write_bytes(GARBAGE)

    nightly = dbt_runner.run(
        data_dir, "build", *dbt_build_args(full_refresh=False), nightly_tests=True
    )
    full = dbt_runner.run(intact, "run", "--full-refresh")
    return {
        "data_dir": data_dir,
        "intact": intact,
        "processed": processed,
        "spied": spied,
        "nightly": nightly,
        "full": full,
        "changed": changed,
        "moved": moved,
        "deleted_user": deleted_user,
    }


def test_the_spy_covers_every_call_table_and_small_table(refreshed):
    # every system's call table and the small tables the models read were landed by the
    # first refresh, and those still in the landing zone are garbage now
    tables = {(p.parts[0], p.parts[2]) for p in refreshed["processed"]}
    for system_table in [
        ("ai_process_log", "ai_process_log"), ("trip_planner", "generations"),
        ("text2sql", "query_analytics"), ("instagram_feed", "instagram_feeds"),
        ("ml_gateway", "chat_logs"), ("otel_genai", "llm_spans"),
        ("trip_planner", "users"), ("text2sql", "users"),
        ("instagram_feed", "llm_models"), ("ai_process_log", "chat_session"),
    ]:  # fmt: skip
        assert system_table in tables
    spied_tables = {(p.parts[-4], p.parts[-2]) for p in refreshed["spied"]}
    assert ("text2sql", "query_analytics") in spied_tables
    assert ("trip_planner", "users") in spied_tables  # unchanged: the file is kept
    with duckdb.connect() as con, pytest.raises(duckdb.Error):
        con.execute(f"select count(*) from read_parquet('{refreshed['spied'][0]}')")


def test_the_refresh_reads_no_landing_file_it_processed_before(refreshed):
    nightly = refreshed["nightly"]
    assert nightly.ok, (nightly.failed_nodes, nightly.problems, nightly.errors)
    assert refreshed["full"].ok, refreshed["full"].failed_nodes


def test_a_load_rewriting_old_days_equals_a_full_rebuild(refreshed):
    assert refreshed["nightly"].ok and refreshed["full"].ok
    nightly, full = _marts(refreshed["data_dir"]), _marts(refreshed["intact"])
    assert nightly.keys() == full.keys()
    assert {"generations", "daily_usage", "landing_accounting", "users"} <= nightly.keys()
    for name in full:
        assert_frame_equal(nightly[name], full[name], check_exact=True), name

    # the changed calls are there as changed, on their days (the moved one on its new day)
    g = nightly["generations"].filter(
        (pl.col("source_system") == "text2sql") & pl.col("source_key").is_in(refreshed["changed"])
    )
    assert g.height == len(refreshed["changed"])
    assert (g["input_tokens"] == NEW_TOKENS).all()
    days = dict(zip(g["source_key"], g["started_on"].cast(pl.String), strict=True))
    assert days.pop(refreshed["moved"]) == MOVED_TO[:10]
    assert sorted(set(days.values())) == sorted(CHANGED_DAYS)

    # the old versions are superseded, and every load balances
    acc = nightly["landing_accounting"]
    assert (
        acc["rows_landed"] == acc["rows_clean"] + acc["rows_set_aside"] + acc["rows_superseded"]
    ).all()
    t2s = acc.filter(pl.col("source_name") == "demo_text2sql").sort("loaded_at")
    assert t2s["rows_superseded"].to_list()[0] == len(refreshed["changed"])


def test_a_user_deleted_at_the_source_leaves_with_the_replaced_file(refreshed):
    with duckdb.connect(str(refreshed["data_dir"] / "builder.duckdb"), read_only=True) as con:
        users = {
            r[0]
            for r in con.execute(
                "select user_key from staging.stg_text2sql__users "
                "where source_name = 'demo_text2sql'"
            ).fetchall()
        }
    assert users  # the others are still there
    assert refreshed["deleted_user"] not in users
