"""The feedback store's schema history (Alembic), applied by ``FeedbackStore`` through bot/migrate.py.

``versions/0001`` is the table as ``create_all`` made it before migrations; a database made by
that (the table there, no ``alembic_version_feedback``) is stamped ``0001`` and upgraded in place.
For a new revision, copy the newest file in ``versions/`` (docs/migrations.md).
"""

# Its own version table: the feedback store shares its database with the registry and notices.
VERSION_TABLE = "alembic_version_feedback"
