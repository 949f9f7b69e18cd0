"""The feedback store as ``create_all`` made it before migrations (bot/feedback/store.py).

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
        "feedback",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", sa.Float, nullable=False, index=True),
        sa.Column("conversation_ref", sa.String(32), nullable=False),
        sa.Column("scenario", sa.String(128), nullable=False, default=""),
        sa.Column("registry_version", sa.Integer, nullable=False, default=0),
        sa.Column("rating", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(32), nullable=True),
        sa.Column("material", sa.String(128), nullable=True),
        sa.Column("channel", sa.String(32), nullable=True),
        sa.UniqueConstraint(
            "conversation_ref", "scenario", "registry_version", name="feedback_one_per_answer"
        ),
    )
    return metadata


def upgrade() -> None:
    schema().create_all(op.get_bind())


def downgrade() -> None:
    schema().drop_all(op.get_bind())
