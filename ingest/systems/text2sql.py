"""text2sql (seed 002): a text-to-SQL app; one LLM call is one ``query_analytics`` row.

Quirks: ``execution_time`` is SQL execution seconds, not LLM latency; ``llm_cost_estimate``
is the app's own stale cost. It holds secrets (docs/warehouse.md): ``password_hash``,
``token_hash``, ``key_hash``, ``encrypted_db_password`` and sensitive ``system_config``
values are never selected; emails and IP addresses land only as keyed hashes
(``email_hmac``, ``ip_address_hmac``, see ingest/pseudonym.py).
"""

from ingest.sql_text import blank_as_null
from ingest.systems.base import Column, Kind, ModelColumns, System, Table, cols

SYSTEM = System(
    name="text2sql",
    default_timezone="UTC",
    description="Text-to-SQL assistant with per-query LLM token and cost analytics.",
    call_table="query_analytics",
    model_columns=ModelColumns("query_analytics", "null", blank_as_null("llm_model")),
    # A workday tool: no queries from Friday night to Monday morning. warn 84 h = a
    # weekend (72 h) plus 12 h; error 108 h = a weekend and one missed night.
    freshness_warn_hours=84,
    freshness_error_hours=108,
    # the app's TokenUsageService limits per user (seed 002 docs; system_config's
    # max_tokens_per_hour/day/month)
    default_quota={"hour": 1_000, "day": 10_000, "month": 100_000},
    tables=(
        Table(
            "users",
            key=("id",),
            columns=cols(
                "id:uuid full_name:text company:text role:text is_active:bool "
                "created_at:ts updated_at:ts last_login:ts token_usage:int preferences:json"
            )
            + cols("email:text:pii", required=False),
        ),
        Table(
            "query_analytics",
            cursor="created_at",
            key=("id",),
            sql_column="sql_query",
            columns=cols(
                "id:uuid query_id:uuid user_id:uuid question:text sql_query:text "
                "execution_time:float row_count:int success:bool error_message:text "
                "chart_type:text prompt_tokens:int completion_tokens:int total_tokens:int "
                "llm_model:text llm_cost_estimate:float timestamp:ts created_at:ts"
            ),
        ),
        Table(
            "chat_sessions",
            cursor="created_at",
            key=("id",),
            columns=cols(
                "id:uuid user_id:uuid title:text is_active:bool created_at:ts "
                "updated_at:ts last_message_at:ts message_count:int"
            ),
        ),
        Table(
            "chat_messages",
            cursor="timestamp",
            key=("id",),
            sql_column="sql_query",
            columns=cols(
                "id:uuid session_id:uuid message_type:text content:text query_id:uuid "
                "sql_query:text query_result:json execution_time:float error_message:text "
                "timestamp:ts sequence_number:int"
            ),
        ),
        Table(
            "user_sessions",
            key=("id",),
            columns=cols(
                "id:uuid user_id:uuid session_start:ts session_end:ts user_agent:text "
                "queries_count:int is_active:bool"
            )
            + cols("ip_address:text:pii", required=False),
            optional=True,
        ),
        Table(
            "query_templates",
            key=("id",),
            columns=cols(
                "id:uuid user_id:uuid name:text description:text question_template:text "
                "sql_template:text category:text is_public:bool is_verified:bool "
                "usage_count:int created_at:ts updated_at:ts"
            ),
            optional=True,
        ),
        Table(
            "events",
            cursor="timestamp",
            key=("id",),
            columns=cols(
                "id:uuid event_type:text user_id:uuid event_data:json timestamp:ts "
                "user_agent:text session_id:uuid"
            )
            + cols("ip_address:text:pii", required=False),
            optional=True,
        ),
        Table(
            "performance_metrics",
            cursor="timestamp",
            key=("id",),
            columns=cols(
                "id:uuid metric_name:text metric_value:float metric_unit:text "
                "timestamp:ts additional_data:json"
            ),
            optional=True,
        ),
        Table(
            "audit_logs",
            cursor="timestamp",
            key=("id",),
            columns=cols(
                "id:uuid user_id:uuid action:text resource_type:text resource_id:text "
                "old_values:json new_values:json user_agent:text timestamp:ts success:bool "
                "error_message:text"
            )
            + cols("ip_address:text:pii", required=False),
            optional=True,
        ),
        Table(
            "api_keys",
            key=("id",),
            columns=cols(
                "id:uuid user_id:uuid key_name:text key_prefix:text permissions:json "
                "is_active:bool created_at:ts expires_at:ts last_used:ts usage_count:int"
            ),
            optional=True,
        ),
        Table(
            "refresh_tokens",
            key=("id",),
            columns=cols(
                "id:uuid user_id:uuid expires_at:ts created_at:ts revoked_at:ts "
                "is_active:bool is_revoked:bool device_info:json"
            ),
            optional=True,
        ),
        Table(
            "database_connections",
            key=("id",),
            columns=cols(
                "id:uuid user_id:uuid connection_name:text db_type:text db_name:text "
                "created_at:ts updated_at:ts"
            ),
            optional=True,
        ),
        Table(
            "system_config",
            key=("id",),
            columns=(
                *cols("id:uuid config_key:text"),
                Column(
                    "config_value",
                    Kind.JSON,
                    expression="case when is_sensitive then null else config_value end",
                ),
                *cols("description:text is_sensitive:bool created_at:ts updated_at:ts"),
            ),
            optional=True,
        ),
    ),
)
