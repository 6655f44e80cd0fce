"""The source systems are declared twice, once per language: in Python
(`ingest.systems.SYSTEMS`, one module each) and in dbt (the var `systems` in
dbt_project.yml, which every SQL list of systems loops over). These tests fail when the
two disagree, or when a system lacks its staging folder or intermediate model, so that
adding a system cannot half-work (README, "Adding a source system")."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml  # type: ignore[import-untyped]

from ingest.systems import SYSTEMS
from warehouse.paths import DBT_DIR as DBT

STAGING = DBT / "models" / "staging"
# staging folders of the warehouse's own files, not of a source system
OWN_FOLDERS = {"_landing", "runlog"}


def _declared() -> dict[str, dict]:
    project = yaml.safe_load((DBT / "dbt_project.yml").read_text(encoding="utf-8"))
    return project["vars"]["systems"]


def _sources(system: str) -> dict[str, dict]:
    """The tables of the dbt source `system`, from its staging folder's sources file."""
    doc = yaml.safe_load((STAGING / system / f"_{system}__sources.yml").read_text(encoding="utf-8"))
    (source,) = [s for s in doc["sources"] if s["name"] == system]
    return {t["name"]: t for t in source["tables"]}


def _models(folder: Path) -> set[str]:
    return {p.stem for p in folder.glob("*.sql")} | {p.stem for p in folder.glob("*.py")}


def test_dbt_declares_the_python_systems():
    assert sorted(_declared()) == sorted(SYSTEMS)


def test_a_staging_folder_per_system_and_no_other():
    folders = {p.name for p in STAGING.iterdir() if p.is_dir()} - OWN_FOLDERS
    assert folders == set(SYSTEMS)


def test_an_intermediate_model_per_system_and_no_other():
    per_system = {
        m for m in _models(DBT / "models" / "intermediate") if m.endswith("__generations")
    }
    assert per_system == {f"int_{s}__generations" for s in SYSTEMS}


@pytest.mark.parametrize("name", sorted(SYSTEMS))
def test_the_call_table_and_key_are_the_python_ones(name):
    facts, system = _declared()[name], SYSTEMS[name]
    assert facts["call_table"] == system.call_table
    assert (facts["call_key"],) == system.table(system.call_table).key


@pytest.mark.parametrize("name", sorted(SYSTEMS))
def test_the_models_named_exist_in_the_systems_staging_folder(name):
    facts = _declared()[name]
    folder_models = _models(STAGING / name)
    assert facts["call_model"] in folder_models
    if facts.get("users_model"):
        assert facts["users_model"] in folder_models
    assert set(facts) <= {
        "call_table",
        "call_key",
        "call_model",
        "call_model_key",
        "users_model",
        "registered_at",
        "steps_model",
        "steps_from_calls",
        "call_steps_model",
    }
    # a system's step models are its own: in its staging folder or int_<system>__*
    own = folder_models | {
        m for m in _models(DBT / "models" / "intermediate") if m.startswith(f"int_{name}__")
    }
    for fact in ("steps_model", "call_steps_model"):
        if facts.get(fact):
            assert facts[fact] in own, (name, fact)
    assert not (facts.get("steps_model") and facts.get("steps_from_calls")), name


@pytest.mark.parametrize("name", sorted(SYSTEMS))
def test_the_call_model_key_is_a_documented_column_of_the_call_model(name):
    facts = _declared()[name]
    doc = yaml.safe_load((STAGING / name / f"_{name}__models.yml").read_text(encoding="utf-8"))
    (model,) = [m for m in doc["models"] if m["name"] == facts["call_model"]]
    assert facts["call_model_key"] in {c["name"] for c in model["columns"]}


@pytest.mark.parametrize("name", sorted(SYSTEMS))
def test_dbt_sources_are_tables_the_system_lands(name):
    tables = _sources(name)
    system = SYSTEMS[name]
    assert system.call_table in tables
    landed = {t.name: t for t in system.tables}
    assert set(tables) <= set(landed)
    for table_name, table in tables.items():
        columns = {c["name"] for c in table.get("columns", [])}
        assert columns <= {c.landed_name for c in landed[table_name].columns}, table_name


def test_the_model_mapping_reads_every_system():
    """ingest/models_resolved.py resolves the model names of every system's landed calls
    (the reference table stg_landing__models_resolved reads on both engines), from a table the
    system lands."""
    from ingest.models_resolved import MODEL_COLUMNS

    assert sorted({system for system, _table in MODEL_COLUMNS}) == sorted(SYSTEMS)
    for system, table in MODEL_COLUMNS:
        assert table in {t.name for t in SYSTEMS[system].tables}, (system, table)


@pytest.mark.parametrize("name", sorted(SYSTEMS))
def test_every_system_has_a_demo_generator(name: str):
    """demo/_<system>.py, found by name: a database system's generator shares the demo's
    calls (SHARE, written with its TIMEZONE into sources.toml); one that writes exports
    (otel_genai) adds its calls to them. Either way the end-to-end tests cover it."""
    import demo

    module = demo.GENERATORS[name]
    if name in demo.SYSTEMS:
        assert module.SHARE > 0 and module.COST_WEIGHT > 0
        assert {t.name for t in module.TABLES} >= {SYSTEMS[name].call_table}
    else:
        assert SYSTEMS[name].reader, f"{name}: no demo tables and no reader of its own"
        assert module.FOLDER
