"""SQL text built in Python (DuckDB's dialect): quoted names and literals, written once for
the landing zone, the publication and the model-name reference table."""

from __future__ import annotations

from pathlib import Path


def quote_ident(name: str) -> str:
    """A name as a double-quoted identifier."""
    return '"' + name.replace('"', '""') + '"'


def quote_literal(value: str | Path) -> str:
    """A text (or a path) as a single-quoted string literal."""
    return "'" + str(value).replace("'", "''") + "'"


def blank_as_null(column: str) -> str:
    """A text column with a blank string as NULL (the dbt macro blank_as_null)."""
    return f"case when trim({quote_ident(column)}) = '' then null else {quote_ident(column)} end"
