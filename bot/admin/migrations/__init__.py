"""The registry editor's drafts store's schema history (Alembic), applied by ``Drafts`` through bot/migrate.py.

``versions/0001`` is the first schema (the store was born with migrations). For a new revision,
copy the newest file in ``versions/`` (docs/migrations.md).
"""

# Its own version table: the drafts share the console's database with the audit log and callbacks.
VERSION_TABLE = "alembic_version_admin"
