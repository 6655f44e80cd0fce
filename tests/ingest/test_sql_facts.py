"""Facts of generated SQL (ingest/sql_facts.py) against hand-worked statements, and landed
beside the text: parsed once, at landing time, so dbt (and Spark) only read columns."""

from __future__ import annotations

import pyarrow as pa
import pytest

from ingest import sql_facts
from ingest.cast import cast_table
from ingest.landing import landed_schema
from ingest.systems import SYSTEMS

# sql -> (statements, kind, destructive, tables, columns, joins, subqueries), by hand
HAND = {
    "SELECT a FROM x UNION SELECT b FROM y": (1, "select", False, "x,y", "a,b", 0, 0),
    # the alias `amount` names its own column: kept; `t` is an alias only: left out
    "SELECT amount AS amount, SUM(v) AS t FROM s.sales GROUP BY amount ORDER BY t": (
        1, "select", False, "s.sales", "amount,v", 0, 0,
    ),
    # the CTE's name is not a table; its body is a nested SELECT
    "WITH r AS (SELECT id FROM orders) SELECT COUNT(*) FROM r JOIN users u ON u.id = r.id": (
        1, "select", False, "orders,users", "id", 1, 1,
    ),
    "SELECT * FROM (SELECT o.id FROM orders o) d WHERE EXISTS (SELECT 1 FROM refunds)": (
        1, "select", False, "orders,refunds", "id", 0, 2,
    ),
    "TRUNCATE TABLE logs": (1, "ddl", True, "logs", "", 0, 0),
    "ALTER TABLE users ADD COLUMN note TEXT": (1, "ddl", True, "users", "", 0, 0),
    "CREATE TABLE t2 AS SELECT id FROM t1": (1, "ddl", True, "t1,t2", "id", 0, 1),
    "GRANT SELECT ON orders TO analyst": (1, "other", True, "orders", "", 0, 0),
    "DELETE FROM a; DELETE FROM b": (2, "delete", True, "a,b", "", 0, 0),
    "SELECT 1; UPDATE t SET x = 1": (2, "other", True, "t", "x", 0, 0),
}  # fmt: skip
FIELDS = (
    "_sql_statements", "_sql_statement_kind", "_sql_is_destructive", "_sql_tables",
    "_sql_columns", "_sql_joins", "_sql_subqueries",
)  # fmt: skip


@pytest.mark.parametrize("sql", list(HAND))
def test_facts_of_hand_worked_statements(sql):
    got = sql_facts.facts(sql)
    assert got["_sql_parses"] is True and got["_sql_parse_error"] is None
    assert tuple(got[f] for f in FIELDS) == HAND[sql]


@pytest.mark.parametrize(
    ("sql", "error"),
    [
        ("SELEC name FROM t", "Invalid expression / Unexpected token (line 1, column"),
        ("SELECT SUM(a FROM t", "Expecting ) (line 1, column"),
        ("SELECT * FROM", "Expected table name"),
    ],
)
def test_text_that_does_not_parse_says_why_and_claims_nothing(sql, error):
    got = sql_facts.facts(sql)
    assert got["_sql_parses"] is False and got["_sql_parse_error"].startswith(error)
    assert "\x1b" not in got["_sql_parse_error"]
    assert all(got[f] is None for f in FIELDS)


def test_no_sql_is_no_facts():
    for sql in (None, "", "   "):
        assert all(v is None for v in sql_facts.facts(sql).values())


def test_the_facts_land_beside_text2sql_generated_sql():
    table = SYSTEMS["text2sql"].table("chat_messages")
    names = landed_schema(table).names
    assert all(f.name in names for f in sql_facts.FIELDS)
    assert "_sql_parses" not in landed_schema(SYSTEMS["text2sql"].table("users")).names
    rows = {c.name: pa.nulls(3, c.kind.arrow_type) for c in table.columns}
    rows["sql_query"] = pa.array(["DROP TABLE x", None, "DROP TABLE x"])
    out = cast_table(pa.table(rows), table)
    assert out.column("_sql_statement_kind").to_pylist() == ["ddl", None, "ddl"]
    assert out.column("_sql_is_destructive").to_pylist() == [True, None, True]
