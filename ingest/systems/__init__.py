"""The source systems, one module each. dbt declares the same systems in the var `systems`
of dbt_project/dbt_project.yml (tests/test_systems_declared.py keeps the two in step).
Adding a system: README, "Adding a source system"."""

from ingest.systems import (
    ai_process_log,
    instagram_feed,
    ml_gateway,
    otel_genai,
    text2sql,
    trip_planner,
)
from ingest.systems.base import Column, Kind, System, Table

SYSTEMS: dict[str, System] = {
    m.SYSTEM.name: m.SYSTEM
    for m in (ai_process_log, trip_planner, text2sql, instagram_feed, ml_gateway, otel_genai)
}


def systems_holding(tables: set[str]) -> list[str]:
    """The systems all of whose required tables are among `tables`, the one with the most
    of its tables there first: what a database of these tables looks like."""
    fits = [
        s for s in SYSTEMS.values() if all(t.name in tables for t in s.tables if not t.optional)
    ]
    fits.sort(key=lambda s: -sum(t.name in tables for t in s.tables))
    return [s.name for s in fits]


__all__ = ["SYSTEMS", "Column", "Kind", "System", "Table", "systems_holding"]
