"""The registry editor's first schema: drafts of registry changes and the log of what people did to them.

A frozen copy, not an import of the live tables (bot/admin/drafts.py): later revisions change
those, and this revision must keep creating exactly this.

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
        "registry_drafts",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("author", sa.String(64), nullable=False, index=True),
        sa.Column("status", sa.String(16), nullable=False, index=True),
        sa.Column("target_kind", sa.String(16), nullable=False),
        sa.Column("target_id", sa.String(128), nullable=False),
        sa.Column("target_name", sa.Text, nullable=False),
        sa.Column("change", sa.Text, nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("lines", sa.Text, nullable=False),
        sa.Column("reviewer", sa.String(64), nullable=True),
        sa.Column("reviewed_at", sa.Float, nullable=True),
        sa.Column("review_comment", sa.Text, nullable=True),
        sa.Column("published_at", sa.Float, nullable=True),
    )
    sa.Table(
        "registry_change_log",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", sa.Float, nullable=False),
        sa.Column("account", sa.String(64), nullable=False, index=True),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("draft_id", sa.Integer, nullable=False, index=True),
        sa.Column("detail", sa.Text, nullable=False, default=""),
    )
    return metadata


def upgrade() -> None:
    schema().create_all(op.get_bind())


def downgrade() -> None:
    schema().drop_all(op.get_bind())
