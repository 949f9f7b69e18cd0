"""The console's audit log as ``create_all`` made it before migrations (bot/web/audit.py).

A frozen copy, not an import of the live table: later revisions change that, and this revision
must keep creating exactly what databases made by the old code hold (and what bot/migrate.py
fills in for an old database before stamping this revision).

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def schema() -> sa.MetaData:
    metadata = sa.MetaData()
    sa.Table(
        "citizen_file_lookups",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", sa.Float, nullable=False),
        sa.Column("staff", sa.String(64), nullable=False),
        sa.Column("citizen_id", sa.String(128), nullable=False, index=True),
        sa.Column("reason", sa.String(200), nullable=False, default=""),
        sa.Column("conversation_id", sa.String(128), nullable=True),
    )
    return metadata


def upgrade() -> None:
    schema().create_all(op.get_bind())


def downgrade() -> None:
    schema().drop_all(op.get_bind())
