"""What an LLM-generated SQL statement does, read with sqlglot at landing time.

text2sql writes the SQL its model generated (``query_analytics.sql_query``,
``chat_messages.sql_query``). Parsing needs Python, which a dbt model on Spark cannot run,
so the facts land beside the text, one column each (``marts.generated_sql`` reads them):

- ``_sql_parses``: sqlglot (its generic dialect) reads the whole text; NULL when there is
  no SQL;
- ``_sql_parse_error``: sqlglot's message when it does not;
- ``_sql_statements``: how many statements the text holds (``SELECT ...; DROP ...``: 2);
- ``_sql_statement_kind``: ``select`` (a query, set operations included), ``insert``,
  ``update``, ``delete``, ``ddl`` (CREATE, DROP, ALTER, TRUNCATE) or ``other`` (MERGE,
  GRANT, ...); the kind shared by all statements, else ``other``;
- ``_sql_is_destructive``: any statement is not a read (an LLM that writes DML or DDL
  is a security finding);
- ``_sql_tables``: the tables read or written, sorted, comma-separated, as written
  (``schema.table`` when qualified), CTE names left out;
- ``_sql_columns``: the column names referenced, sorted, comma-separated, without their
  table qualifier, names that are only select-list aliases (``GROUP BY m``) left out;
- ``_sql_joins``: JOIN clauses;
- ``_sql_subqueries``: SELECTs nested inside a statement (derived tables, IN/EXISTS and
  scalar subqueries, CTE bodies, the SELECT of an INSERT); the arms of a top-level
  UNION are not nested.

Facts are computed once per distinct text in a batch (generated SQL repeats).
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import sqlglot
from sqlglot import exp

from ingest.distinct import per_distinct

FIELDS = [
    pa.field("_sql_parses", pa.bool_()),
    pa.field("_sql_parse_error", pa.string()),
    pa.field("_sql_statements", pa.int64()),
    pa.field("_sql_statement_kind", pa.string()),
    pa.field("_sql_is_destructive", pa.bool_()),
    pa.field("_sql_tables", pa.string()),
    pa.field("_sql_columns", pa.string()),
    pa.field("_sql_joins", pa.int64()),
    pa.field("_sql_subqueries", pa.int64()),
]
_NONE: dict[str, Any] = {f.name: None for f in FIELDS}
_ERROR_MAX = 200

_DDL = (exp.Create, exp.Drop, exp.Alter, exp.TruncateTable)


def _kind(statement: exp.Expr) -> str:
    if isinstance(statement, exp.Query):  # SELECT, UNION/INTERSECT/EXCEPT, ...
        return "select"
    if isinstance(statement, exp.Insert):
        return "insert"
    if isinstance(statement, exp.Update):
        return "update"
    if isinstance(statement, exp.Delete):
        return "delete"
    if isinstance(statement, _DDL):
        return "ddl"
    return "other"


def _top_level_selects(statement: exp.Expr) -> int:
    if isinstance(statement, exp.SetOperation):
        return _top_level_selects(statement.left) + _top_level_selects(statement.right)
    return 1 if isinstance(statement, exp.Select) else 0


def facts(sql: str | None) -> dict[str, Any]:
    """The FIELDS of one SQL text, by field name."""
    if sql is None or not sql.strip():
        return dict(_NONE)
    try:
        statements = [s for s in sqlglot.parse(sql) if s is not None]
    except sqlglot.errors.SqlglotError as e:
        found = getattr(e, "errors", None)
        if found:  # a ParseError: its first error, without the highlighted excerpt
            first = found[0]
            message = f"{first['description']} (line {first['line']}, column {first['col']})"
        else:
            message = " ".join(str(e).split())
        return {**_NONE, "_sql_parses": False, "_sql_parse_error": message[:_ERROR_MAX]}
    if not statements:
        return dict(_NONE)
    kinds = {_kind(s) for s in statements}
    tables, columns, joins, subqueries = set(), set(), 0, 0
    for s in statements:
        ctes = {c.alias_or_name for c in s.find_all(exp.CTE)}
        aliases = {
            a.alias
            for a in s.find_all(exp.Alias)
            if not (isinstance(a.this, exp.Column) and a.this.name == a.alias)
        }
        for t in s.find_all(exp.Table):
            if not t.name or (not t.db and t.name in ctes):
                continue
            tables.add(".".join(p for p in (t.catalog, t.db, t.name) if p))
        for c in s.find_all(exp.Column):
            if isinstance(c.this, exp.Star) or not c.name:
                continue
            if not c.table and c.name in aliases:
                continue
            columns.add(c.name)
        joins += sum(1 for _ in s.find_all(exp.Join))
        subqueries += sum(1 for _ in s.find_all(exp.Select)) - _top_level_selects(s)
    kind = kinds.pop() if len(kinds) == 1 else "other"
    return {
        "_sql_parses": True,
        "_sql_parse_error": None,
        "_sql_statements": len(statements),
        "_sql_statement_kind": kind,
        "_sql_is_destructive": any(_kind(s) != "select" for s in statements),
        "_sql_tables": ",".join(sorted(tables)),
        "_sql_columns": ",".join(sorted(columns)),
        "_sql_joins": joins,
        "_sql_subqueries": subqueries,
    }


def scan(arr: pa.Array) -> list[pa.Array]:
    """The FIELDS arrays for a column of SQL texts."""
    rows = per_distinct(arr, facts)
    return [pa.array([r[f.name] for r in rows], f.type) for f in FIELDS]
