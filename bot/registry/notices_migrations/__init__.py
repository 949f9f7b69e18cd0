"""The notice book's schema history (Alembic), applied by ``NoticeBook`` through bot/migrate.py.

``versions/0001`` is the table as ``create_all`` made it before migrations; a database made by
that (the table there, no ``alembic_version_notices``) is stamped ``0001`` and upgraded in place.
For a new revision, copy the newest file in ``versions/`` (docs/migrations.md).
"""

# Its own version table: the notice book shares its database with the registry and feedback.
VERSION_TABLE = "alembic_version_notices"
