"""The registry database's schema history (Alembic), applied by :meth:`bot.registry.store.Store.open`.

Revisions live in ``versions/``: ``0001`` is the schema as ``create_all`` made it before
migrations existed, each later one a change. A database made by that old ``create_all``
(its tables there, no ``alembic_version``) is recognised and stamped ``0001`` before
upgrading, so a registry with citizens' files in it upgrades in place, nothing lost.

The shared helper (bot/migrate.py) does the work, as for every store; this module keeps the
registry's own entry points. For a new revision, copy the newest file in ``versions/`` (its
``revision``/``down_revision`` chain the history) and check it with ``tests/test_migrations.py``,
which compares the migrated schema with the store's tables (docs/migrations.md).
"""

from __future__ import annotations

from alembic.config import Config
from sqlalchemy.engine import Connection, Engine

from bot import migrate

# The revision that is the schema before migrations. The registry's revisions are recorded in
# Alembic's default table, alembic_version, as they were before the other stores had migrations.
BASELINE = migrate.BASELINE
VERSION_TABLE = migrate.DEFAULT_VERSION_TABLE


def config(connection: Connection | None = None) -> Config:
    """The Alembic configuration of the registry database, on ``connection`` when given."""
    return migrate.config(__name__, connection)


def head() -> str:
    return migrate.head(__name__)


def current(connection: Connection) -> str | None:
    """The revision a database is at (None: never migrated)."""
    return migrate.current(connection, __name__)


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database to ``revision`` (the newest by default), adopting one made before migrations."""
    migrate.upgrade(engine, __name__, revision)


def downgrade(engine: Engine, revision: str) -> None:
    """Take the database back to ``revision`` (what a newer revision added is dropped: matters and
    the catalogue go, citizens' files stay; the next sync of an older code reloads the files)."""
    migrate.downgrade(engine, __name__, revision)
