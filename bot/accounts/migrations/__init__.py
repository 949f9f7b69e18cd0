"""The staff accounts' schema history (Alembic), applied by ``AccountStore`` through bot/migrate.py.

``versions/0001`` creates the accounts, their sessions and the log of what was done to them.
For a new revision, copy the newest file in ``versions/`` (docs/migrations.md).
"""

# Its own version table: accounts share the console's database with its audit log and callbacks.
VERSION_TABLE = "alembic_version_accounts"
