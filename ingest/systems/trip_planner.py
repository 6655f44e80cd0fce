"""trip_planner (seed 001): a LangGraph trip planner logging workflows, nodes, generations.

Quirks: naive UTC (``datetime.utcnow()``); JSON columns; local Ollama models
(``llama3.2``, provider ``ollama``) that cost nothing.
"""

from ingest.sql_text import blank_as_null, quote_ident
from ingest.systems.base import ModelColumns, System, Table, cols

SYSTEM = System(
    name="trip_planner",
    default_timezone="UTC",
    description="Trip-planning agent: users, workflow runs, node runs, LLM generations.",
    call_table="generations",
    model_columns=ModelColumns(
        "generations", quote_ident("model_provider"), blank_as_null("model_name")
    ),
    # Trip planning runs every day, weekends included. warn 36 h = one nightly refresh
    # missed plus 12 h of slack; error 60 h = two nights missed.
    freshness_warn_hours=36,
    freshness_error_hours=60,
    tables=(
        Table(
            "users",
            key=("id",),
            columns=cols("id:int username:text created_at:ts updated_at:ts")
            + cols("email:text:pii", required=False),
        ),
        Table(
            "workflows",
            cursor="created_at",
            key=("id",),
            columns=cols(
                "id:int user_id:int status:text user_input:text input_type:text "
                "time_settings:json date_theme:json user_intent:json search_radius:int "
                "final_itinerary:json created_at:ts updated_at:ts completed_at:ts"
            ),
        ),
        Table(
            "nodes",
            cursor="started_at",
            key=("id",),
            columns=cols(
                "id:int workflow_id:int node_name:text node_type:text execution_order:int "
                "status:text state_data:json input_data:json output_data:json "
                "error_message:text error_traceback:text started_at:ts completed_at:ts "
                "duration_ms:int"
            ),
        ),
        Table(
            "generations",
            cursor="id",
            key=("id",),
            columns=cols(
                "id:int workflow_id:int node_id:int model_name:text model_provider:text "
                "system_prompt:text user_prompt:text output:text parsed_output:json "
                "temperature:float max_tokens:int prompt_tokens:int completion_tokens:int "
                "total_tokens:int latency_ms:int created_at:ts"
            ),
        ),
    ),
)
