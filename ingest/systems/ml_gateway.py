"""ml_gateway (seed 004): a Prisma-backed gateway logging every chat request.

Quirks: CUID ids; camelCase ``"createdAt"``; ``duration`` in ms; ``error`` marks a failed
call; no token counts at all.
"""

from ingest.systems.base import System, Table, cols

SYSTEM = System(
    name="ml_gateway",
    default_timezone="UTC",
    description="ML gateway chat log (Prisma model ChatLog).",
    call_table="chat_logs",
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
