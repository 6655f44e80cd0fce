"""Bad input (docs/bad_input.md), end to end: the demo generator plants every kind of its catalogue
(demo/bad_input.py) with a known count and records, per planted row, what must
happen to it (truth/bad_input.parquet). Here: each row is set aside with its rule or kept
with its flag and repair, nothing else is set aside or flagged, and every landed row is
accounted for per source table. A third source of the same system lacks a required
column: it fails naming the column, the others load, and the warehouse builds."""

from __future__ import annotations

import json
import sqlite3

import duckdb
import polars as pl
import pyarrow.parquet as pq
import pytest

from demo import bad_input
from tests.support.cli import cli, demo_env


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> dict:
    data = tmp_path_factory.mktemp("bad")
    demo = data / "demo"
    # the demo's sources and a broken one (below)
    env = demo_env(data, data / "sources.toml")
    cli(env, "demo", "--days", "2", "--calls-per-day", "300", "--end-date", "2025-06-24",
        "--bad-input", timeout=None)  # fmt: skip
    # schema drift: a gateway whose chat_logs lacks the required column `prompt`
    broken = data / "broken_gateway.db"
    db = sqlite3.connect(broken)
    db.execute('create table chat_logs (id text, "createdAt" text, model text, response text, '
               "duration integer, error text)")  # fmt: skip
    db.execute("insert into chat_logs values ('x1', '2025-06-24 10:00:00', 'gpt-4o', 'r', 5, null)")
    db.commit()
    db.close()
    sources = (demo / "sources.toml").read_text(encoding="utf-8")
    sources += (
        f'\n[[source]]\nname = "broken_gw"\nsystem = "ml_gateway"\nurl = "sqlite:///{broken}"\n'
    )
    (data / "sources.toml").write_text(sources, encoding="utf-8")
    extract_out = cli(env, "extract", code=1, timeout=None)
    # every model builds; the build fails (exit 1) on one test only: broken_gw is
    # configured but has never landed (marts.source_freshness: never_loaded)
    build_out = cli(env, "build", code=1, timeout=None)
    con = duckdb.connect(str(data / "warehouse.duckdb"), read_only=True)
    try:
        w = {
            "data": data,
            "extract_out": extract_out,
            "build_out": build_out,
            "truth": pl.read_parquet(demo / "truth" / "generations.parquet"),
            "planted": pl.read_parquet(demo / "truth" / "bad_input.parquet"),
            "quarantined": con.sql("select * from marts.quarantined_rows").pl(),
            "generations": con.sql("select * from marts.generations").pl(),
            "accounting": con.sql("select * from marts.landing_accounting").pl(),
            "requests": con.sql("select sum(requests) as n from marts.daily_usage").pl()["n"][0],
            "unpriced": con.sql("select * from marts.unpriced_models").pl(),
        }
        # staging is the builder's own (readers get the marts): warehouse/publish.py
        with duckdb.connect(str(data / "builder.duckdb"), read_only=True) as builder:
            w["gateway"] = builder.sql("select * from staging.stg_ml_gateway__chat_logs").pl()
    finally:
        con.close()
    return w


def test_the_catalogue_plants_at_least_20_kinds_with_known_counts(warehouse):
    planted = warehouse["planted"]
    kinds = planted.filter(pl.col("kind") != "export_row")["kind"].unique()
    assert kinds.len() >= 20
    per_kind = dict(planted.group_by("kind").len().iter_rows())
    for k in bad_input.CATALOGUE:
        assert per_kind[k.kind] == k.count, k.kind


def test_each_set_aside_row_has_its_rule_and_nothing_else_is_set_aside(warehouse):
    want = warehouse["planted"].filter(pl.col("outcome") == "set_aside")
    got = warehouse["quarantined"]
    assert got.height == want.height
    keyed_want = {
        (r["source_name"], r["source_table"], r["source_key"]): r["rule"]
        for r in want.filter(pl.col("source_key").is_not_null()).iter_rows(named=True)
    }
    keyed_got = {
        (r["source_name"], r["source_table"], r["source_row_key"]): r["rule"]
        for r in got.filter(pl.col("source_row_key").is_not_null()).iter_rows(named=True)
    }
    assert keyed_got == keyed_want
    # rows without a key: counted per source table
    nokey = lambda f, k: sorted(f.filter(pl.col(k).is_null()).select("source_name", "rule").rows())  # noqa: E731
    assert nokey(got, "source_row_key") == nokey(want, "source_key")
    values = dict(got.select("rule", "offending_value").unique("rule").iter_rows())
    assert values["negative_tokens"] == "input_tokens=-7"
    assert values["absurd_tokens"] == "output_tokens=10000001"
    unreadable = set(got.filter(pl.col("rule") == "unreadable_value")["offending_value"])
    assert unreadable == {
        "token_output='n/a'", "timestamp='yesterday'", "prompt_tokens='12.5'",
        "line=not JSON (Expecting value)",  # otel_genai: a line cut short
    }  # fmt: skip


def test_each_kept_row_is_in_generations_with_its_flag_and_repair(warehouse):
    g = warehouse["generations"]
    kept = warehouse["planted"].filter(pl.col("outcome") == "kept")
    joined = kept.join(g, on=["source_name", "source_table", "source_key"], how="left",
                       suffix="_g")  # fmt: skip
    assert joined["generation_id"].null_count() == 0  # every kept row is there
    for r in joined.iter_rows(named=True):
        if r["flag"]:
            assert r[r["flag"]] is True, (r["kind"], r["flag"])
        if r["expect_column"]:
            assert r[r["expect_column"]] == json.loads(r["expect_value"]), r["kind"]
    mismatch = joined.filter(pl.col("kind") == "total_tokens_mismatch")
    assert (mismatch["total_tokens"] == mismatch["input_tokens"] + mismatch["output_tokens"]).all()
    unknown = joined.filter(pl.col("kind") == "unknown_model")
    assert unknown["cost_usd"].null_count() == unknown.height
    assert "acme-mystery-9000" in set(warehouse["unpriced"]["model"])


def test_no_clean_row_is_flagged(warehouse):
    g, truth, planted = warehouse["generations"], warehouse["truth"], warehouse["planted"]
    flagged = lambda flag: planted.filter(pl.col("flag") == flag).height  # noqa: E731
    for flag in ("has_total_tokens_mismatch", "has_unparseable_json", "has_repaired_text",
                 "has_invalid_utf8"):  # fmt: skip
        assert g[flag].sum() == flagged(flag), flag
    # the demo's RAG steps name no model (truth model_raw NULL) beside the planted ones
    assert g["has_no_model"].sum() == truth["model_raw"].null_count() + flagged("has_no_model")


def test_text_is_repaired_in_staging_and_kept_as_is_in_the_landing_zone(warehouse):
    planted = warehouse["planted"]
    key_of = lambda kind: planted.filter(pl.col("kind") == kind)["source_key"][0]  # noqa: E731
    mojibake, invalid = key_of("mojibake_prompt"), key_of("invalid_utf8_response")
    gw = warehouse["gateway"]
    assert gw.filter(pl.col("chat_log_key") == mojibake)["prompt"][0] == bad_input.KOREAN
    folder = warehouse["data"] / "landing" / "ml_gateway" / "demo_ml_gateway" / "chat_logs"
    landed = pl.concat([pl.DataFrame(pq.read_table(f)) for f in sorted(folder.glob("*.parquet"))])
    row = landed.filter(pl.col("id") == mojibake).row(0, named=True)
    assert row["prompt"] == bad_input.KOREAN.encode("utf-8").decode(
        "latin-1"
    )  # as the source had it
    assert json.loads(row["_text_repaired"]) == {"prompt": bad_input.KOREAN}
    row = landed.filter(pl.col("id") == invalid).row(0, named=True)
    assert json.loads(row["_text_original_hex"]) == {"response": bad_input.BAD_BYTES.hex()}
    assert row["response"] == bad_input.BAD_BYTES.decode("utf-8", errors="replace")
    assert "internal_note" not in landed.columns  # the extra column is not carried


def test_every_landed_row_is_accounted_for_per_source_table(warehouse):
    acc, planted = warehouse["accounting"], warehouse["planted"]
    assert (acc["rows_landed"] == acc["rows_clean"] + acc["rows_set_aside"]
            + acc["rows_superseded"]).all()  # fmt: skip
    got = {
        (s, t): n
        for s, t, n in acc.group_by("source_name", "source_table")
        .agg(pl.col("rows_set_aside").sum())
        .iter_rows()
    }
    want = dict.fromkeys(got, 0)
    for s, t, n in (
        planted.filter(pl.col("outcome") == "set_aside")
        .group_by("source_name", "source_table")
        .len()
        .iter_rows()
    ):
        want[(s, t)] = n
    assert got == want


def test_clean_marts_hold_the_truth_plus_the_kept_rows(warehouse):
    g, truth, planted = warehouse["generations"], warehouse["truth"], warehouse["planted"]
    kept = planted.filter(pl.col("outcome") == "kept").height
    assert g.height == truth.height + kept
    assert warehouse["requests"] == g.height


def test_a_source_missing_a_required_column_fails_alone_and_names_it(warehouse):
    out = warehouse["extract_out"]
    assert "broken_gw" in out and "chat_logs" in out and "prompt" in out
    acc = warehouse["accounting"]
    assert "broken_gw" not in set(acc["source_name"])  # nothing of it landed
    assert {"demo_ml_gateway", "demo_gateway_export"} <= set(acc["source_name"])
    # the build names it as the one failure: configured, never landed (a warning inside
    # dbt, so the marts are published; the command exits 1 naming it)
    build = warehouse["build_out"]
    assert "WARN 1 assert_sources_within_error_hours" in build
    assert "stale source: broken_gw (ml_gateway): no call row ever landed" in build
    assert ", 0 failed, 0 skipped" in build
    assert "stale source broken_gw (ml_gateway): no call row ever landed (error after" in build
