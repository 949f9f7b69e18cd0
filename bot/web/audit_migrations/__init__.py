"""The console's audit log's schema history (Alembic), applied by ``AuditLog`` through bot/migrate.py.

``versions/0001`` is the table as ``create_all`` made it before migrations; a database made by
that (the table there, no ``alembic_version_audit``) is stamped ``0001`` and upgraded in place.
For a new revision, copy the newest file in ``versions/`` (docs/migrations.md).
"""

# Its own version table: the console's audit log shares its database with callback requests.
VERSION_TABLE = "alembic_version_audit"
