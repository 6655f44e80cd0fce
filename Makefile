# LLM usage warehouse. `make help` lists the targets.
# Every target honours WAREHOUSE_SOURCES (sources file) and WAREHOUSE_DATA_DIR
# (where everything generated lives; default data/).

SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON_SYS ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
WAREHOUSE_DATA_DIR ?= data
override WAREHOUSE_DATA_DIR := $(abspath $(WAREHOUSE_DATA_DIR))
export WAREHOUSE_DATA_DIR
ifdef WAREHOUSE_SOURCES
override WAREHOUSE_SOURCES := $(abspath $(WAREHOUSE_SOURCES))
export WAREHOUSE_SOURCES
endif
# dbt and sqlfluff run through the CLI, which gives them the warehouse's dbt environment
# (profiles, compiled files and logs under $WAREHOUSE_DATA_DIR/dbt: warehouse/paths.py)

DEMO_DAYS ?= 30
DEMO_CALLS_PER_DAY ?= 500
BENCH_CALLS ?= 1e6
BENCH_SLOPE_CALLS_PER_DAY ?= 20000
# bench.spark (docs/spark.md): DuckDB and Spark builds of one landing zone, and a nightly
# on Spark; at BENCH_CALLS when WAREHOUSE_ENGINE=spark, else a smaller history
BENCH_SPARK_CALLS ?= $(if $(filter spark,$(WAREHOUSE_ENGINE)),$(BENCH_CALLS),1e5)

.PHONY: help setup lock run demo ingest prices build notebooks test lint format docs clean bench nightly

help: ## List the targets
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | \
	  awk 'BEGIN {FS = ":.*?## "}; {printf "  %-10s %s\n", $$1, $$2}'

$(STAMP): requirements.lock pyproject.toml
	$(PYTHON_SYS) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check uv==0.13.8
	$(VENV)/bin/uv pip sync --quiet --python $(PY) requirements.lock
	# the project itself, editable: warehouse, ingest, demo (also for dbt's Python models)
	$(VENV)/bin/uv pip install --quiet --python $(PY) --no-deps -e .
	touch $(STAMP)

setup: $(STAMP) ## Install everything into .venv (nothing global); checks Java for Spark
	@# Spark (WAREHOUSE_ENGINE=spark, docs/spark.md) needs Java 17+; DuckDB does not
	@v=$$(java -version 2>&1 | sed -nE 's/.*version "([0-9]+).*/\1/p' | head -1); \
	  if [ -z "$$v" ] || [ "$$v" -lt 17 ]; then \
	    echo "note: Java 17+ not found (needed for WAREHOUSE_ENGINE=spark only): on Debian, apt-get install openjdk-17-jre-headless"; \
	  fi

lock: ## Re-resolve requirements.lock from pyproject.toml
	$(VENV)/bin/uv pip compile --quiet --python $(PY) --extra dev pyproject.toml -o requirements.lock

run: $(STAMP) ## The main job: demo sources if none configured, ingest, build, notebooks
	$(PY) -m warehouse run

demo: $(STAMP) ## Generate the demo source databases (DEMO_DAYS, DEMO_CALLS_PER_DAY)
	$(PY) -m warehouse demo --days $(DEMO_DAYS) --calls-per-day $(DEMO_CALLS_PER_DAY)

# `make ingest build` runs as one command, `python -m warehouse build --extract`: a source
# that fails is named and makes the exit status non-zero, but only after the healthy
# sources are built, as in `make nightly` (as two recipes, make stops at the failed
# ingest and builds nothing). `make ingest` alone exits 1 at once on a failed source.
INGEST_AND_BUILD := $(and $(filter ingest,$(MAKECMDGOALS)),$(filter build,$(MAKECMDGOALS)))

ingest: $(STAMP) ## Extract every configured source into the Parquet landing zone
ifeq ($(INGEST_AND_BUILD),)
	$(PY) -m warehouse extract
else
	@echo "ingest: with build, as one command (python -m warehouse build --extract)"
endif

build: $(STAMP) ## dbt build (models + tests); WAREHOUSE_ENGINE=spark builds on Spark
	$(PY) -m warehouse build$(if $(INGEST_AND_BUILD), --extract)

nightly: $(STAMP) ## Locked incremental refresh + run log (NIGHTLY_ARGS="--wait 600")
	$(PY) -m warehouse nightly $(NIGHTLY_ARGS)

notebooks: $(STAMP) ## Write the notebook reports under $WAREHOUSE_DATA_DIR/reports
	$(PY) -m warehouse notebooks

prices: $(STAMP) ## Refresh the price seeds (model_prices.csv, model_price_tiers.csv) from the pinned genai-prices
	$(PY) -m warehouse prices

docs: $(STAMP) ## dbt docs generate (into $WAREHOUSE_DATA_DIR/dbt/target)
	$(PY) -m warehouse dbt docs generate

test: $(STAMP) ## Run every test
	$(PY) -m pytest -n 2 --dist loadfile

bench: $(STAMP) ## Benchmarks at BENCH_CALLS calls (1e6; 1e7, 1e8): figures and ratios, docs/bench.md
	WAREHOUSE_ENGINE= $(PY) -m bench.scale --calls $(BENCH_CALLS)
	WAREHOUSE_ENGINE= $(PY) -m bench.nightly --slope --calls-per-day $(BENCH_SLOPE_CALLS_PER_DAY)
	$(PY) -m bench.pg_ingest
	$(PY) -m bench.spark --calls $(BENCH_SPARK_CALLS)

lint: $(STAMP) ## Check only: ruff, ruff format --check, mypy, sqlfluff lint (as tests/test_lint.py)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(PY) -m warehouse sqlfluff lint dbt_project/models

format: $(STAMP) ## Rewrite in place: ruff check --fix, ruff format, sqlfluff fix
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .
	$(PY) -m warehouse sqlfluff fix dbt_project/models

clean: ## Remove generated data and build output (keeps .venv)
	rm -rf "$(WAREHOUSE_DATA_DIR)" dbt_project/target dbt_project/logs
