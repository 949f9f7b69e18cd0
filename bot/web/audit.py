"""Who looked at which citizen's file, and when: written before the file is read, never edited.

A citizen's file (个人材料库) is personal data; staff may open one to help a caller,
and every opening is recorded here first, so a lookup that fails is recorded too.
The log lives in the console's own database (setting ``console_db_url``; SQLite in
the var dir by default) and staff can read it back in the console.
"""

from __future__ import annotations

import time
from typing import Any

import sqlalchemy as sa

from bot import migrate

# The table as the newest migration leaves it (bot/web/audit_migrations; tests/test_store_migrations.py).
_metadata = sa.MetaData()
lookups = sa.Table(
    "citizen_file_lookups",
    _metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("at", sa.Float, nullable=False),
    sa.Column("staff", sa.String(64), nullable=False),
    sa.Column("citizen_id", sa.String(128), nullable=False, index=True),
    sa.Column("reason", sa.String(200), nullable=False, default=""),
    sa.Column("conversation_id", sa.String(128), nullable=True),
)


class AuditLog:
    def __init__(self, db_url: str) -> None:
        self.engine = sa.create_engine(db_url, future=True, pool_pre_ping=True)  # survives a database restart
        migrate.upgrade(self.engine, "bot.web.audit_migrations")

    def record(
        self, staff: str, citizen_id: str, reason: str = "", conversation_id: str | None = None
    ) -> int:
        with self.engine.begin() as connection:
            result = connection.execute(
                lookups.insert().values(
                    at=time.time(),
                    staff=staff,
                    citizen_id=citizen_id,
                    reason=reason,
                    conversation_id=conversation_id,
                )
            )
            return int(result.inserted_primary_key[0])

    def entries(self, citizen_id: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
        """The latest lookups first, optionally of one citizen."""
        query = sa.select(lookups).order_by(lookups.c.id.desc()).limit(limit)
        if citizen_id:
            query = query.where(lookups.c.citizen_id == citizen_id)
        with self.engine.connect() as connection:
            return [dict(row._mapping) for row in connection.execute(query)]
