"""The notice book as ``create_all`` made it before migrations (bot/registry/notices.py).

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
        "notices",
        metadata,
        sa.Column("code", sa.String(16), primary_key=True),
        sa.Column("scenario", sa.String(128), nullable=False),
        sa.Column("answers", sa.Text, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
    )
    return metadata


def upgrade() -> None:
    schema().create_all(op.get_bind())


def downgrade() -> None:
    schema().drop_all(op.get_bind())
