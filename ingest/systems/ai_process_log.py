"""ai_process_log (seed 000): a RAG/GPT chat backend logging each step.

Quirks: ``created_at`` is naive Korean time (``get_kst_now()``); no CHECK constraints, so
negative tokens or latency occur; RAG steps have NULL ``model`` and tokens;
``chat_session`` is undocumented beyond ``session_id``, so its other columns are optional.
"""

from ingest.sql_text import blank_as_null
from ingest.systems.base import ModelColumns, System, Table, cols

SYSTEM = System(
    name="ai_process_log",
    default_timezone="Asia/Seoul",
    description="GPT / RAG call log of a chat backend (SQLAlchemy model AIProcessLog).",
    call_table="ai_process_log",
    model_columns=ModelColumns("ai_process_log", "null", blank_as_null("model")),
    # The RAG assistant is called every day, so every nightly refresh lands calls.
    # warn 36 h = one nightly refresh missed plus 12 h of slack; error 60 h = two nights
    # missed.
    freshness_warn_hours=36,
    freshness_error_hours=60,
    tables=(
        Table(
            "ai_process_log",
            cursor="id",
            key=("id",),
            columns=cols(
                "id:int session_id:text node_name:text model:text token_input:int "
                "token_output:int latency_ms:int created_at:ts"
            ),
            description="One row per GPT or RAG step.",
        ),
        Table(
            "chat_session",
            key=("session_id",),
            columns=cols("session_id:text")
            + cols("user_id:text title:text created_at:ts updated_at:ts", required=False),
            description="Chat sessions; only session_id is documented.",
        ),
    ),
)
