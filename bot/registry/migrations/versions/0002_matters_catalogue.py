"""Matters beside scenarios, and the portal's catalogue: the registry grown to the whole portal.

- ``scenarios.kind``: ``scenario`` (a one-thing scenario) or ``matter`` (an ordinary service
  matter with its own material list); existing rows are scenarios.
- ``catalogue`` (every matter the portal lists, by ``service_id``; ``matter`` names the
  detailed matter when there is one) and ``catalogue_names`` (names to search by).
- ``registry_versions.matters``: how many matters a version holds (0 before matters).

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("scenarios") as batch:
        batch.add_column(sa.Column("kind", sa.String(16), nullable=False, server_default="scenario"))
        batch.create_index("ix_scenarios_kind", ["kind"])
    with op.batch_alter_table("registry_versions") as batch:
        batch.add_column(sa.Column("matters", sa.Integer, nullable=False, server_default="0"))
    op.create_table(
        "catalogue",
        sa.Column("service_id", sa.String(128), primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("matter", sa.String(128), nullable=True),
        sa.Column("doc", sa.Text, nullable=False),
    )
    op.create_index("ix_catalogue_matter", "catalogue", ["matter"])
    op.create_table(
        "catalogue_names",
        sa.Column("service_id", sa.String(128), nullable=False),
        sa.Column("name", sa.Text, nullable=False),
    )
    op.create_index("ix_catalogue_names_service_id", "catalogue_names", ["service_id"])


def downgrade() -> None:
    op.drop_index("ix_catalogue_names_service_id", "catalogue_names")
    op.drop_table("catalogue_names")
    op.drop_index("ix_catalogue_matter", "catalogue")
    op.drop_table("catalogue")
    with op.batch_alter_table("registry_versions") as batch:
        batch.drop_column("matters")
    # Matters have no place in the old schema: only scenarios stay.
    op.execute(
        "DELETE FROM requirements WHERE scenario_id IN (SELECT id FROM scenarios WHERE kind <> 'scenario')"
    )
    op.execute(
        "DELETE FROM scenario_names WHERE scenario_id IN (SELECT id FROM scenarios WHERE kind <> 'scenario')"
    )
    op.execute("DELETE FROM scenarios WHERE kind <> 'scenario'")
    op.execute("DELETE FROM registry_meta WHERE key = 'digest'")  # the next sync reloads the files
    with op.batch_alter_table("scenarios") as batch:
        batch.drop_index("ix_scenarios_kind")
        batch.drop_column("kind")
