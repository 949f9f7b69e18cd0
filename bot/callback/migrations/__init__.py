"""The callback book's schema history (Alembic), applied by ``CallbackBook`` through bot/migrate.py.

``versions/0001`` holds the tables as ``create_all`` made them before migrations; a database made by
that (its tables there, no ``alembic_version_callbacks``) is stamped ``0001`` and upgraded in place.
For a new revision, copy the newest file in ``versions/`` (docs/migrations.md).
"""

# Its own version table: the callback book shares its database with the console's audit log.
VERSION_TABLE = "alembic_version_callbacks"
