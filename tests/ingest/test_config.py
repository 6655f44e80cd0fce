"""The sources file (README): every mistake is one line naming the file, the source and
what to write instead; and the documented examples mean what they look like."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ingest.config import ConfigError, Source, load_sources
from ingest.extract import extract_all
from ingest.systems import SYSTEMS
from tests.support.cli import REPO


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sources.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _entry(name: str, system: str = "ml_gateway", extra: str = "") -> str:
    return f'[[source]]\nname = "{name}"\nsystem = "{system}"\nurl = "x.db"\n{extra}\n'


def _error(path: Path) -> str:
    with pytest.raises(ConfigError) as e:
        load_sources(path)
    message = str(e.value)
    assert "\n" not in message
    return message


# --------------------------------------------------------------------------- unknown keys


def test_a_misspelled_key_is_an_error_naming_key_source_and_the_right_key(tmp_path):
    # the case: without its timezone an ai_process_log source reads Asia/Seoul
    path = _write(
        tmp_path,
        _entry("chat") + _entry("trips", "ai_process_log", 'timezon = "UTC"\nlookback_hour = 2'),
    )
    message = _error(path)
    assert message.startswith(f"{path}: [[source]] #2 (trips): ")
    assert "unknown key 'timezon' (did you mean 'timezone'?)" in message
    assert "unknown key 'lookback_hour' (did you mean 'lookback_hours'?)" in message


def test_an_unknown_key_with_no_close_match_lists_the_known_keys(tmp_path):
    path = _write(tmp_path, _entry("chat", extra="colour = 'blue'"))
    message = _error(path)
    assert "#1 (chat): unknown key 'colour'" in message and "did you mean" not in message
    for key in ("name", "system", "url", "timezone", "password_env", "lookback_hours"):
        assert key in message.split("unknown key 'colour'")[1]


def test_every_key_of_a_source_is_known(tmp_path):
    # the keys of the issue, each set: none is mistaken for unknown
    path = _write(
        tmp_path,
        _entry(
            "pg",
            extra='timezone = "Europe/Berlin"\npassword_env = "PW"\nlookback_hours = 6',
        ),
    )
    [source] = load_sources(path)
    assert (source.timezone, source.password_env, source.lookback_hours) == (
        "Europe/Berlin",
        "PW",
        6.0,
    )


def test_a_misspelled_key_names_the_key_even_when_it_is_the_name(tmp_path):
    path = _write(tmp_path, '[[source]]\nnmae = "chat"\nsystem = "ml_gateway"\nurl = "x"\n')
    message = _error(path)
    assert f"{path}: [[source]] #1: unknown key 'nmae' (did you mean 'name'?)" in message


def test_unknown_top_level_keys_and_tables_are_errors(tmp_path):
    path = _write(tmp_path, _entry("chat").replace("[[source]]", "[[sources]]"))
    assert _error(path) == f"{path}: unknown table 'sources' (did you mean 'source'?)"
    path = _write(tmp_path, 'timezone = "UTC"\n' + _entry("chat"))
    message = _error(path)
    assert message.startswith(f"{path}: unknown key 'timezone'")
    assert "[[source]]" in message  # where a timezone belongs
    path = _write(tmp_path, _entry("chat") + "[defaults]\ntimezone = 'UTC'\n")
    assert _error(path).startswith(f"{path}: unknown table 'defaults'")


def test_a_source_written_as_a_single_table_says_to_double_the_brackets(tmp_path):
    path = _write(tmp_path, _entry("chat").replace("[[source]]", "[source]"))
    assert "[[source]], with double brackets" in _error(path)


# --------------------------------------------------------------------------- names


def test_a_missing_name_says_so(tmp_path):
    path = _write(tmp_path, _entry("x") + '[[source]]\nsystem = "ml_gateway"\nurl = "y"\n')
    assert _error(path) == f"{path}: [[source]] #2: name is missing"


@pytest.mark.parametrize("name", ["Trips", "trips-prod", "2trips", "_t", "t" * 64, ""])
def test_an_invalid_name_says_plainly_what_is_allowed(tmp_path, name):
    message = _error(_write(tmp_path, _entry(name)))
    assert f"name {name!r}" in message
    plain = message.split(f"name {name!r}")[1]
    for words in ("lowercase letters", "digits", "underscores", "start with a letter", "63"):
        assert words in plain
    assert "^[" not in plain.split("(")[0]  # the pattern, if shown, comes after the words


def test_a_name_that_is_not_a_string_is_plainly_refused(tmp_path):
    path = _write(tmp_path, '[[source]]\nname = 7\nsystem = "ml_gateway"\nurl = "x"\n')
    assert "lowercase letters" in _error(path)


def test_the_longest_allowed_name_is_fine(tmp_path):
    [s] = load_sources(_write(tmp_path, _entry("t" * 63)))
    assert s.name == "t" * 63


# --------------------------------------------------------------------------- sqlite URLs


def test_sqlite_urls_four_slashes_absolute_three_relative_to_the_file(tmp_path):
    folder = tmp_path / "conf"
    folder.mkdir()
    path = folder / "sources.toml"
    path.write_text(
        '[[source]]\nname = "a"\nsystem = "ml_gateway"\nurl = "sqlite:////var/data/app.db"\n'
        '[[source]]\nname = "b"\nsystem = "ml_gateway"\nurl = "sqlite:///app.db"\n',
        encoding="utf-8",
    )
    a, b = load_sources(path)
    assert a.sqlite_path() == Path("/var/data/app.db")
    assert b.sqlite_path() == folder / "app.db"


def test_a_sqlite_url_with_two_slashes_is_a_config_error(tmp_path):
    path = _write(tmp_path, _entry("a").replace('"x.db"', '"sqlite://app.db"'))
    message = _error(path)
    assert "#1 (a)" in message and "sqlite:////" in message and "sqlite:///" in message


def _toml_blocks(markdown: Path) -> list[str]:
    return re.findall(r"```toml\n(.*?)```", markdown.read_text(encoding="utf-8"), re.S)


@pytest.mark.parametrize("doc", ["sources.example.toml", "README.md", "docs/ingest.md"])
def test_documented_sqlite_urls_mean_the_absolute_paths_they_show(tmp_path, doc):
    """The examples' paths (/var/data/...) are absolute: they must not move with the file.
    Load each example from two folders: its SQLite paths must not change."""
    file = REPO / doc
    texts = [file.read_text(encoding="utf-8")] if doc.endswith(".toml") else _toml_blocks(file)
    sqlite = []
    for i, text in enumerate(texts):
        loaded = []
        for where in ("one", "two"):
            (tmp_path / where).mkdir(exist_ok=True)
            loaded.append(load_sources(_write(tmp_path / where, text)))
        for s1, s2 in zip(*loaded, strict=True):
            if s1.scheme == "sqlite":
                assert s1.sqlite_path() == s2.sqlite_path(), (doc, i, s1.name)
                assert s1.sqlite_path().is_absolute()
                sqlite.append(s1.name)
    assert sqlite, f"{doc} shows no sqlite source"


@pytest.mark.parametrize("doc", ["sources.example.toml", "README.md", "docs/ingest.md"])
def test_docs_say_three_slashes_are_relative_to_the_sources_file(doc):
    text = (REPO / doc).read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if re.search(r"sqlite:///[^/]", line)]
    assert any("relative to" in line for line in lines), doc


# --------------------------------------------------------------------------- databases


def _sqlite(path: Path, tables: dict[str, str]) -> Path:
    db = sqlite3.connect(path)
    for table, columns in tables.items():
        db.execute(f"create table {table} ({columns})")
    db.commit()
    db.close()
    return path


def _all_columns(system: str) -> dict[str, str]:
    """Every table of a system with all its allowlisted columns (no rows)."""
    return {t.name: ", ".join(f'"{c.name}"' for c in t.columns) for t in SYSTEMS[system].tables}


def _required(system: str) -> list[str]:
    return [t.name for t in SYSTEMS[system].tables if not t.optional]


def _run(source: Source, tmp_path: Path) -> str:
    [result] = extract_all([source], tmp_path / "data")
    assert result.status == "failed"
    assert result.error is not None and "\n" not in result.error
    return result.error


@pytest.mark.parametrize(
    ("declared", "actual"),
    [("trip_planner", "text2sql"), ("ml_gateway", "ai_process_log"), ("text2sql", "ml_gateway")],
)
def test_a_database_of_another_system_names_that_system(tmp_path, declared, actual):
    path = _sqlite(tmp_path / "app.db", _all_columns(actual))
    src = Source(name="trips", system=declared, url=f"sqlite:///{path}", timezone="UTC")
    error = _run(src, tmp_path)
    missing = [t for t in _required(declared) if t not in _required(actual)]
    assert error.startswith(f"source trips (system {declared}): the database ")
    assert f"{declared}'s tables" in error
    for table in missing:
        assert table in error
    assert error.endswith(f'it looks like a database of {actual} (set system = "{actual}")')


def test_a_database_with_none_of_the_tables_lists_them(tmp_path):
    path = _sqlite(tmp_path / "app.db", {"notes": "id integer, body text"})
    src = Source(name="trips", system="trip_planner", url=f"sqlite:///{path}", timezone="UTC")
    tables = ", ".join(_required("trip_planner"))
    assert _run(src, tmp_path) == (
        f"source trips (system trip_planner): the database has none of trip_planner's "
        f"tables ({tables})"
    )


def test_an_empty_database_says_it_has_no_tables(tmp_path):
    path = _sqlite(tmp_path / "app.db", {})  # sqlite3 leaves an empty (0 byte) file
    src = Source(name="gw", system="ml_gateway", url=f"sqlite:///{path}", timezone="UTC")
    assert _run(src, tmp_path) == (
        "source gw (system ml_gateway): the database has none of ml_gateway's tables "
        "(chat_logs); the database has no tables at all"
    )


def test_one_missing_table_is_named_without_a_guess(tmp_path):
    tables = _all_columns("trip_planner")
    del tables["nodes"]
    path = _sqlite(tmp_path / "app.db", tables)
    src = Source(name="trips", system="trip_planner", url=f"sqlite:///{path}", timezone="UTC")
    error = _run(src, tmp_path)
    assert error.startswith("source trips (system trip_planner): the database ")
    assert "nodes" in error and "looks like" not in error


def test_a_folder_of_another_system_names_that_system(tmp_path):
    folder = tmp_path / "export"
    folder.mkdir()
    for table in SYSTEMS["ai_process_log"].tables:
        names = [c.name for c in table.columns]
        pq.write_table(pa.table({n: pa.array([], pa.string()) for n in names}),
                       folder / f"{table.name}.parquet")  # fmt: skip
    src = Source(name="gw", system="ml_gateway", url=str(folder), timezone="UTC")
    error = _run(src, tmp_path)
    assert error.startswith("source gw (system ml_gateway): the folder has none of")
    assert "chat_logs" in error
    assert error.endswith(
        'it looks like an export of ai_process_log (set system = "ai_process_log")'
    )


def test_missing_required_columns_are_all_named(tmp_path):
    path = _sqlite(tmp_path / "gw.db", {"chat_logs": 'id text, "createdAt" text, prompt text'})
    src = Source(name="gw", system="ml_gateway", url=f"sqlite:///{path}", timezone="UTC")
    error = _run(src, tmp_path)
    required = [c.name for c in SYSTEMS["ml_gateway"].table("chat_logs").columns if c.required]
    missing = [c for c in required if c not in ("id", "createdAt", "prompt")]
    assert error.startswith("source gw (system ml_gateway): table chat_logs: ")
    assert ", ".join(missing) in error


def test_a_text_file_given_as_sqlite_is_one_plain_line(tmp_path):
    path = tmp_path / "app.db"
    path.write_text("just some notes\n", encoding="utf-8")
    src = Source(name="x", system="ml_gateway", url=f"sqlite:///{path}", timezone="UTC")
    assert _run(src, tmp_path) == f"source x: {path} is not a SQLite database"


def test_a_real_parquet_file_given_as_sqlite_is_one_plain_line(tmp_path):
    path = tmp_path / "chat_logs.parquet"
    pq.write_table(pa.table({"id": ["a"]}), path)
    src = Source(name="x", system="ml_gateway", url=f"sqlite:///{path}", timezone="UTC")
    assert _run(src, tmp_path) == f"source x: {path} is not a SQLite database"


def test_a_folder_given_as_sqlite_is_one_plain_line(tmp_path):
    src = Source(name="x", system="ml_gateway", url=f"sqlite:///{tmp_path}", timezone="UTC")
    error = _run(src, tmp_path)
    assert error.startswith(f"source x: {tmp_path} is a folder, not a SQLite database")


def test_a_missing_database_file_is_one_plain_line(tmp_path):
    path = tmp_path / "nope.db"
    src = Source(name="x", system="ml_gateway", url=f"sqlite:///{path}", timezone="UTC")
    assert _run(src, tmp_path) == f"source x: database file not found: {path}"
    assert not path.exists()


def test_an_empty_timezone_is_an_error_not_the_systems_default(tmp_path):
    # ai_process_log's default is Asia/Seoul: an empty value must not quietly mean it
    path = _write(tmp_path, _entry("chat", "ai_process_log", 'timezone = ""'))
    message = _error(path)
    assert "#1 (chat): timezone is empty" in message and "Asia/Seoul" in message


# --------------------------------------------------------------------------- quota


def test_text2sql_gets_the_apps_own_limits_and_others_none(tmp_path):
    # seed 002: 1,000 tokens an hour, 10,000 a day, 100,000 a month per user
    path = _write(tmp_path, _entry("t2s", "text2sql") + _entry("gw"))
    t2s, gw = load_sources(path)
    assert [t2s.quota_limit(w) for w in ("hour", "day", "month")] == [1_000, 10_000, 100_000]
    assert [gw.quota_limit(w) for w in ("hour", "day", "month")] == [None, None, None]


def test_a_configured_quota_replaces_the_default_entirely(tmp_path):
    path = _write(
        tmp_path,
        _entry("t2s", "text2sql", "quota = { day = 5000 }")
        + _entry("off", "text2sql", "quota = {}")
        + _entry("gw", extra="quota = { month = 20, hour = 3 }"),
    )
    t2s, off, gw = load_sources(path)
    assert [t2s.quota_limit(w) for w in ("hour", "day", "month")] == [None, 5_000, None]
    assert off.quota == ()
    assert [gw.quota_limit(w) for w in ("hour", "day", "month")] == [3, None, 20]


@pytest.mark.parametrize(
    ("quota", "expected"),
    [
        ("{ dya = 10 }", "unknown quota window 'dya' (did you mean 'day'?)"),
        ("{ week = 10 }", "unknown quota window 'week' (one of hour, day, month)"),
        ("{ day = 0 }", "quota day = 0 is not allowed: give a whole number of tokens >= 1"),
        ("{ hour = 1.5 }", "quota hour = 1.5 is not allowed"),
        ('{ month = "100k" }', "quota month = '100k' is not allowed"),
        ("{ day = true }", "quota day = True is not allowed"),
        ("1000", "quota must be a table of token limits; write quota = { hour = 1000"),
    ],
)
def test_a_bad_quota_is_one_line_naming_the_source_and_the_window(tmp_path, quota, expected):
    path = _write(tmp_path, _entry("chat") + _entry("t2s", "text2sql", f"quota = {quota}"))
    message = _error(path)
    assert message.startswith(f"{path}: [[source]] #2 (t2s): ")
    assert expected in message


def test_the_registry_carries_each_sources_limits(tmp_path):
    from ingest.registry import ensure_registry, registry_path, write_registry

    path = _write(tmp_path, _entry("t2s", "text2sql") + _entry("gw", extra="quota = { day = 7 }"))
    write_registry(tmp_path, load_sources(path))
    rows = pq.read_table(registry_path(tmp_path)).to_pylist()
    got = {r["source_name"]: (r["quota_hour_tokens"], r["quota_day_tokens"],
                              r["quota_month_tokens"]) for r in rows}  # fmt: skip
    assert got == {"t2s": (1_000, 10_000, 100_000), "gw": (None, 7, None)}
    # a registry written before the quota columns existed gains them, as NULL
    old = pa.table({"source_name": ["t2s"], "source_system": ["text2sql"]})
    pq.write_table(old, registry_path(tmp_path))
    ensure_registry(tmp_path)
    [row] = pq.read_table(registry_path(tmp_path)).to_pylist()
    assert (row["source_name"], row["quota_day_tokens"], row["freshness_warn_hours"]) == (
        "t2s", None, None,
    )  # fmt: skip
