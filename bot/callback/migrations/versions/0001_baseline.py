"""The callback book as ``create_all`` made it before migrations (bot/callback/store.py).

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
        "callback_requests",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("conversation_id", sa.String(128), nullable=False, index=True),
        sa.Column("channel", sa.String(32), nullable=True),
        sa.Column("scenario_id", sa.String(128), nullable=True),
        sa.Column("scenario_name", sa.String(200), nullable=True),
        sa.Column("phone_sealed", sa.Text, nullable=True),
        sa.Column("phone_masked", sa.String(24), nullable=False),
        sa.Column("window_id", sa.String(32), nullable=False),
        sa.Column("window_label", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False, index=True),
        sa.Column("done_by", sa.String(64), nullable=True),
        sa.Column("done_at", sa.Float, nullable=True),
    )
    sa.Table(
        "callback_phone_reveals",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", sa.Float, nullable=False),
        sa.Column("staff", sa.String(64), nullable=False),
        sa.Column("callback_id", sa.Integer, nullable=False, index=True),
    )
    return metadata


def upgrade() -> None:
    schema().create_all(op.get_bind())


def downgrade() -> None:
    schema().drop_all(op.get_bind())
