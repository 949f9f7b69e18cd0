"""Staff accounts, their server-side sessions, and the log of what was done to them.

A frozen copy of the tables as this revision makes them, not an import of the live ones: later
revisions change those, and this one must keep creating exactly this (bot/migrate.py also uses
``schema()`` to recognise a database made before the store had migrations; this one never had).

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
        "staff_accounts",
        metadata,
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("display", sa.String(64), nullable=False, server_default=""),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("must_change_password", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("development", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("failures", sa.Integer, nullable=False, server_default="0"),
        sa.Column("locked_until", sa.Float, nullable=True),
        sa.Column("created", sa.Float, nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("password_changed", sa.Float, nullable=False),
    )
    sa.Table(
        "staff_sessions",
        metadata,
        sa.Column("id", sa.String(64), primary_key=True),  # SHA-256 of the cookie's value, never the value
        sa.Column("account", sa.String(64), nullable=False, index=True),
        sa.Column("created", sa.Float, nullable=False),
        sa.Column("last_seen", sa.Float, nullable=False),
        sa.Column("expires", sa.Float, nullable=False),
    )
    sa.Table(
        "staff_account_events",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", sa.Float, nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("account", sa.String(64), nullable=False, index=True),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("detail", sa.String(200), nullable=False, server_default=""),
    )
    return metadata


def upgrade() -> None:
    schema().create_all(op.get_bind())


def downgrade() -> None:
    schema().drop_all(op.get_bind())
