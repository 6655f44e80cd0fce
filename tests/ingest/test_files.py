"""Sources that are folders of exported files: the same table as Parquet, CSV and JSON
lines lands identically, typed by the system module, incrementally."""

from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv
import pyarrow.parquet as pq

from ingest.config import load_sources
from ingest.extract import extract_all

ROWS = [
    # id, createdAt, prompt, model, response, duration, error, (extra column, ignored)
    ("c1", "2025-06-01 10:00:00.000", "안녕", "gpt-4o", "hi", 812, None),
    ("c2", "2025-06-01 10:00:01.500", "こんにちは, \"quoted\"", "GPT-4o-mini", None, 30012,
     "upstream timeout after 30000ms"),
    ("c3", "2025-06-02 00:00:00.000", "", "acme-llm-7b", "", None, None),
]  # fmt: skip
NAMES = ["id", "createdAt", "prompt", "model", "response", "duration", "error"]


def _write(folder, fmt: str, rows) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    cols = list(zip(*rows, strict=True))
    t = pa.table({n: pa.array(c) for n, c in zip(NAMES, cols, strict=True)})
    t = t.append_column("internal_secret", pa.array(["s3cr3t"] * t.num_rows))
    if fmt == "parquet":
        pq.write_table(t, folder / "chat_logs.parquet")
    elif fmt == "csv":
        pcsv.write_csv(t, folder / "chat_logs.csv")
    else:
        with open(folder / "chat_logs.jsonl", "w", encoding="utf-8") as f:
            for r in t.to_pylist():
                f.write(json.dumps(r, ensure_ascii=False) + "\n")


def test_parquet_csv_and_jsonl_exports_land_the_same(tmp_path):
    toml = ""
    for fmt in ("parquet", "csv", "jsonl"):
        _write(tmp_path / fmt, fmt, ROWS)
        toml += f'[[source]]\nname = "gw_{fmt}"\nsystem = "ml_gateway"\nurl = "{fmt}"\n\n'
    (tmp_path / "sources.toml").write_text(toml, encoding="utf-8")
    results = extract_all(load_sources(tmp_path / "sources.toml"), tmp_path / "wh")
    assert [r.status for r in results] == ["ok"] * 3, [r.error for r in results]
    landed = {}
    for fmt in ("parquet", "csv", "jsonl"):
        t = pq.read_table(tmp_path / "wh" / "landing" / "ml_gateway" / f"gw_{fmt}" / "chat_logs")
        assert "internal_secret" not in t.column_names
        assert t.schema.field("createdAt").type == pa.timestamp("us")
        assert t.schema.field("duration").type == pa.int64()
        landed[fmt] = t.drop_columns(["_source_name", "_load_id", "_loaded_at"]).sort_by("id")
    assert landed["parquet"].to_pylist() == landed["csv"].to_pylist()
    assert landed["parquet"].to_pylist() == landed["jsonl"].to_pylist()
    rows = landed["csv"].to_pylist()
    assert rows[1]["prompt"] == 'こんにちは, "quoted"' and rows[1]["duration"] == 30012
    assert rows[2]["duration"] is None
    assert rows[2]["response"] == ""  # an empty string stays empty, not NULL


def test_file_source_is_incremental(tmp_path):
    (tmp_path / "sources.toml").write_text(
        '[[source]]\nname = "gw"\nsystem = "ml_gateway"\nurl = "dump"\n', encoding="utf-8"
    )
    sources = load_sources(tmp_path / "sources.toml")
    _write(tmp_path / "dump", "csv", ROWS)
    [first] = extract_all(sources, tmp_path / "wh")
    assert first.rows == 3
    newer = (*ROWS, ("c4", "2025-06-02 00:05:00.000", "p", "gpt-4o", "r", 700, None))
    _write(tmp_path / "dump", "csv", newer)
    [second] = extract_all(sources, tmp_path / "wh")
    assert second.rows == 1
    t = pq.read_table(tmp_path / "wh" / "landing" / "ml_gateway" / "gw" / "chat_logs")
    assert sorted(t["id"].to_pylist()) == ["c1", "c2", "c3", "c4"]
    assert pc.count_distinct(t["_load_id"]).as_py() == 2


def test_missing_folder_is_a_clear_error(tmp_path):
    (tmp_path / "sources.toml").write_text(
        '[[source]]\nname = "gw"\nsystem = "ml_gateway"\nurl = "nowhere"\n', encoding="utf-8"
    )
    [r] = extract_all(load_sources(tmp_path / "sources.toml"), tmp_path / "wh")
    assert r.status == "failed" and r.error and "gw" in r.error and "folder not found" in r.error


def test_csv_with_bytes_that_are_not_utf8_lands_flagged_with_its_bytes(tmp_path):
    folder = tmp_path / "exp"
    folder.mkdir()
    raw = b"caf\xe9 cr\xe8me"  # Latin-1, in a UTF-8 export
    (folder / "chat_logs.csv").write_bytes(
        b"id,createdAt,prompt,model,response,duration,error\n"
        b"z1,2025-06-01 10:00:00," + raw + b",gpt-4o,ok,5,\n"
    )
    toml = '[[source]]\nname = "exp"\nsystem = "ml_gateway"\nurl = "exp"\n'
    (tmp_path / "sources.toml").write_text(toml, encoding="utf-8")
    [r] = extract_all(load_sources(tmp_path / "sources.toml"), tmp_path / "data")
    assert r.status == "ok", r.error
    [f] = (tmp_path / "data" / "landing" / "ml_gateway" / "exp" / "chat_logs").glob("*.parquet")
    [row] = pq.read_table(f).to_pylist()
    assert row["prompt"] == raw.decode("utf-8", errors="replace")
    assert row["_text_issues"] == "prompt:invalid_utf8"
    assert json.loads(row["_text_original_hex"]) == {"prompt": raw.hex()}
    assert (row["response"], row["duration"]) == ("ok", 5)
