"""The source systems of SPEC §2, one module each. Adding a system means adding a module
here and its staging models in dbt."""

from ingest.systems import ai_process_log, instagram_feed, ml_gateway, text2sql, trip_planner
from ingest.systems.base import Column, Kind, System, Table

SYSTEMS: dict[str, System] = {
    m.SYSTEM.name: m.SYSTEM
    for m in (ai_process_log, trip_planner, text2sql, instagram_feed, ml_gateway)
}

__all__ = ["SYSTEMS", "Column", "Kind", "System", "Table"]
