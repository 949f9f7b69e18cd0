"""The registry database's schema history (Alembic), applied by :meth:`bot.registry.store.Store.open`.

Revisions live in ``versions/``: ``0001`` is the schema as ``create_all`` made it before
migrations existed, each later one a change. A database made by that old ``create_all``
(its tables there, no ``alembic_version``) is recognised and stamped ``0001`` before
upgrading, so a registry with citizens' files in it upgrades in place, nothing lost.

The Alembic configuration is built here in code (no ``alembic.ini``): the script location
is this package, and the connection is the store's own. For a new revision, copy the newest
file in ``versions/`` (its ``revision``/``down_revision`` chain the history) and check it with
``tests/test_migrations.py``, which compares the migrated schema with the store's tables.
"""

from __future__ import annotations

import time
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection, Engine

HERE = Path(__file__).resolve().parent
# The revision that is the schema before migrations, and a table only that schema (or later) has.
BASELINE = "0001"
_LEGACY_MARKER = "scenarios"
_LOCK = 5101  # PostgreSQL advisory lock: replicas starting together migrate one after the other


def config(connection: Connection | None = None) -> Config:
    """The Alembic configuration of the registry database, on ``connection`` when given."""
    cfg = Config()
    cfg.set_main_option("script_location", str(HERE))
    cfg.attributes["connection"] = connection
    return cfg


def head() -> str:
    return ScriptDirectory.from_config(config()).get_current_head() or BASELINE


def current(connection: Connection) -> str | None:
    """The revision a database is at (None: never migrated)."""
    if not sa.inspect(connection).has_table("alembic_version"):
        return None
    return connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()


def _adopt_legacy(connection: Connection, cfg: Config) -> None:
    """A database from before migrations: create any baseline table it lacks, then stamp the baseline."""
    baseline = ScriptDirectory.from_config(cfg).get_revision(BASELINE).module
    baseline.schema().create_all(connection, checkfirst=True)
    command.stamp(cfg, BASELINE)


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database to ``revision`` (the newest by default), in one transaction where the
    database allows (PostgreSQL; SQLite commits DDL as it goes, and every step is re-runnable)."""
    for attempt in range(3):
        try:
            with engine.begin() as conn:
                if conn.dialect.name == "postgresql":
                    conn.execute(sa.text(f"SELECT pg_advisory_xact_lock({_LOCK})"))
                cfg = config(conn)
                tables = set(sa.inspect(conn).get_table_names())
                if "alembic_version" not in tables and _LEGACY_MARKER in tables:
                    _adopt_legacy(conn, cfg)
                command.upgrade(cfg, revision)
            return
        except sa.exc.OperationalError:
            # Two processes migrating one SQLite file at once: the loser finds the tables made.
            if attempt == 2 or engine.dialect.name != "sqlite":
                raise
            time.sleep(0.2 * (attempt + 1))


def downgrade(engine: Engine, revision: str) -> None:
    """Take the database back to ``revision`` (what a newer revision added is dropped: matters and
    the catalogue go, citizens' files stay; the next sync of an older code reloads the files)."""
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(sa.text(f"SELECT pg_advisory_xact_lock({_LOCK})"))
        command.downgrade(config(conn), revision)
