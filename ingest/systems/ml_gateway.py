"""ml_gateway (seed 004): a Prisma-backed gateway logging every chat request.

Quirks: CUID ids; camelCase ``"createdAt"``; ``duration`` in ms; ``error`` marks a failed
call; no token counts at all.
"""

from ingest.sql_text import blank_as_null
from ingest.systems.base import ModelColumns, System, Table, cols

SYSTEM = System(
    name="ml_gateway",
    default_timezone="UTC",
    description="ML gateway chat log (Prisma model ChatLog).",
    call_table="chat_logs",
    model_columns=ModelColumns("chat_logs", "null", blank_as_null("model")),
    # The gateway serves traffic around the clock. warn 36 h = one nightly refresh
    # missed plus 12 h of slack; error 60 h = two nights missed.
    freshness_warn_hours=36,
    freshness_error_hours=60,
    tables=(
        Table(
            "chat_logs",
            cursor="createdAt",
            key=("id",),
            columns=cols(
                "id:text createdAt:ts prompt:text model:text response:text duration:int error:text"
            ),
        ),
    ),
)
