"""The registry schema as ``create_all`` made it before migrations (store.py and versions.py).

A frozen copy, not an import of the live tables: later revisions change those, and this
revision must keep creating exactly what databases made by the old code hold. Created with
``create_all`` so that :func:`bot.migrate.upgrade` can also fill in a table an old database
lacks (``checkfirst``) before stamping this revision.

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
    # bot/registry/store.py
    sa.Table(
        "registry_meta",
        metadata,
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )
    sa.Table(
        "scenarios",
        metadata,
        sa.Column("id", sa.String(128), primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("doc", sa.Text, nullable=False),
    )
    sa.Table(
        "scenario_names",
        metadata,
        sa.Column("scenario_id", sa.String(128), nullable=False, index=True),
        sa.Column("name", sa.Text, nullable=False),
    )
    sa.Table(
        "materials",
        metadata,
        sa.Column("id", sa.String(128), primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("doc", sa.Text, nullable=False),
    )
    sa.Table(
        "material_names",
        metadata,
        sa.Column("material_id", sa.String(128), nullable=False, index=True),
        sa.Column("name", sa.Text, nullable=False),
    )
    sa.Table(
        "requirements",
        metadata,
        sa.Column("scenario_id", sa.String(128), primary_key=True),
        sa.Column("position", sa.Integer, primary_key=True),
        sa.Column("material_id", sa.String(128), nullable=False, index=True),
        sa.Column("doc", sa.Text, nullable=False),
    )
    sa.Table(
        "citizen_materials",
        metadata,
        sa.Column("citizen_id", sa.String(128), primary_key=True),
        sa.Column("material_id", sa.String(128), primary_key=True),
        sa.Column("submitted_at", sa.String(32), nullable=False),
        sa.Column("valid_until", sa.String(32), nullable=True),
        sa.Column("channel", sa.String(64), nullable=True),
        sa.Column("demo", sa.Boolean, nullable=False, default=False),
    )
    # bot/registry/versions.py
    sa.Table(
        "registry_versions",
        metadata,
        sa.Column("number", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("digest", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("note", sa.Text, nullable=True),
        sa.Column("scenarios", sa.Integer, nullable=False),
        sa.Column("materials", sa.Integer, nullable=False),
    )
    sa.Table(
        "registry_version_docs",
        metadata,
        sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("kind", sa.String(16), primary_key=True),
        sa.Column("id", sa.String(128), primary_key=True),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    sa.Table(
        "registry_docs",
        metadata,
        sa.Column("hash", sa.String(64), primary_key=True),
        sa.Column("doc", sa.Text, nullable=False),
    )
    return metadata


def upgrade() -> None:
    schema().create_all(op.get_bind())


def downgrade() -> None:
    schema().drop_all(op.get_bind())
