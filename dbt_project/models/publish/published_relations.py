"""Publishes the marts to readers, after every mart is built and tested.

Readers open $WAREHOUSE_DATA_DIR/warehouse.duckdb: one view per mart (and per price
seed) over Parquet files, swapped in one rename (warehouse/publish.py). dbt builds into its
own database, builder.duckdb, which readers never open, so an analyst's open connection
never blocks a refresh and never sees half of one. A failing test of a mart skips this
model (dbt build skips the children of a failed test): readers keep the last good marts.

Every mart is listed below (dbt finds a model's parents in literal dbt.ref calls);
tests/warehouse/test_publish.py fails when a mart is missing here.
"""

import pyarrow as pa


def model(dbt, session):
    dbt.config(materialized="table")
    from pathlib import Path

    from warehouse.publish import publish

    parents = [
        dbt.ref("generations"),
        dbt.ref("quarantined_rows"),
        dbt.ref("landing_accounting"),
        dbt.ref("users"),
        dbt.ref("sessions"),
        dbt.ref("feed_outputs"),
        dbt.ref("daily_usage"),
        dbt.ref("model_costs"),
        dbt.ref("latency_percentiles"),
        dbt.ref("model_latency_daily"),
        dbt.ref("unpriced_models"),
        dbt.ref("cost_reconciliation"),
        dbt.ref("refresh_runs"),
        dbt.ref("source_freshness"),
        dbt.ref("quota_breaches"),
        dbt.ref("user_token_counters"),
        dbt.ref("generated_sql"),
        dbt.ref("step_performance"),
        dbt.ref("latency_sketches"),
        dbt.ref("feed_caption_repeats"),
        dbt.ref("stg_runlog__refresh_runs"),
        dbt.ref("model_prices"),
        dbt.ref("model_price_overrides"),
    ]
    del parents
    (path,) = session.execute(
        "select path from duckdb_databases() where database_name = current_database()"
    ).fetchone()
    pub_id, published = publish(session, Path(path).resolve().parent)
    return pa.table(
        {
            "publication_id": [pub_id] * len(published),
            "relation": [p.relation for p in published],
            "row_count": [p.rows for p in published],
            "files_written": [p.files_written for p in published],
            "files_linked": [p.files_linked for p in published],
        },
        schema=pa.schema(
            [
                ("publication_id", pa.string()),
                ("relation", pa.string()),
                ("row_count", pa.int64()),
                ("files_written", pa.int64()),
                ("files_linked", pa.int64()),
            ]
        ),
    )
