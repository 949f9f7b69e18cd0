"""Every store's schema history (Alembic), applied by the store itself when it opens.

Each store of ours has a migrations package beside it (docs/migrations.md lists them):
``versions/`` holds its revisions, ``0001`` being the schema exactly as ``create_all`` made it
before migrations; ``__init__`` names the table that records the store's revision
(``VERSION_TABLE``), so stores that share a database (the registry, notices and feedback; the
console's audit log and callbacks) each keep their own history; ``env.py`` calls :func:`run_env`.

A database made by that old ``create_all`` (some baseline table there, no version table) is
recognised and stamped ``0001`` before upgrading, so a store with rows in it upgrades in place,
nothing lost. The Alembic configuration is built here in code (no ``alembic.ini``): the script
location is the package's directory, and the connection is the store's own.
"""

from __future__ import annotations

import importlib
import time
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection, Engine

BASELINE = "0001"
DEFAULT_VERSION_TABLE = "alembic_version"
_LOCK = 5101  # PostgreSQL advisory lock: replicas starting together migrate one after the other


def version_table(package: str) -> str:
    """The table holding the revision of the store whose migrations are ``package``."""
    return str(getattr(importlib.import_module(package), "VERSION_TABLE", DEFAULT_VERSION_TABLE))


def config(package: str, connection: Connection | None = None) -> Config:
    """The Alembic configuration of the migrations ``package`` (e.g. ``"bot.feedback.migrations"``)."""
    module_file = importlib.import_module(package).__file__
    assert module_file is not None, f"{package} is not a package with an __init__.py"
    cfg = Config()
    cfg.set_main_option("script_location", str(Path(module_file).resolve().parent))
    cfg.attributes["connection"] = connection
    cfg.attributes["version_table"] = version_table(package)
    cfg.attributes["package"] = package
    return cfg


def head(package: str) -> str:
    """The newest revision of ``package``."""
    return ScriptDirectory.from_config(config(package)).get_current_head() or BASELINE


def current(connection: Connection, package: str) -> str | None:
    """The revision a database is at for this store (None: never migrated)."""
    table = version_table(package)
    if not sa.inspect(connection).has_table(table):
        return None
    query = sa.select(sa.column("version_num")).select_from(sa.table(table))
    return connection.execute(query).scalar()


def baseline_schema(package: str) -> sa.MetaData:
    """The store's tables as the old ``create_all`` made them (the baseline revision's ``schema()``)."""
    return ScriptDirectory.from_config(config(package)).get_revision(BASELINE).module.schema()


def _lock(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(sa.text(f"SELECT pg_advisory_xact_lock({_LOCK})"))


def upgrade(engine: Engine, package: str, revision: str = "head") -> None:
    """Bring the store's tables to ``revision`` (the newest by default), in one transaction where
    the database allows (PostgreSQL; SQLite commits DDL as it goes, and every step is re-runnable)."""
    for attempt in range(3):
        try:
            with engine.begin() as conn:
                _lock(conn)
                cfg = config(package, conn)
                tables = set(sa.inspect(conn).get_table_names())
                if cfg.attributes["version_table"] not in tables:
                    baseline = baseline_schema(package)
                    if tables & set(baseline.tables):
                        # Made by the old create_all: fill in any table it lacks, then stamp the baseline.
                        baseline.create_all(conn, checkfirst=True)
                        command.stamp(cfg, BASELINE)
                command.upgrade(cfg, revision)
            return
        except (sa.exc.OperationalError, sa.exc.IntegrityError):
            # Two processes migrating one SQLite file at once: the loser finds the tables made
            # (or the revision recorded) and, on the next attempt, the database at head.
            if attempt == 2 or engine.dialect.name != "sqlite":
                raise
            time.sleep(0.2 * (attempt + 1))


def downgrade(engine: Engine, package: str, revision: str) -> None:
    """Take the store's tables back to ``revision`` (what newer revisions added is dropped)."""
    with engine.begin() as conn:
        _lock(conn)
        command.downgrade(config(package, conn), revision)


def run_env() -> None:
    """The body of every migrations package's ``env.py``: run on the connection :func:`upgrade` passes."""
    from alembic import context

    cfg = context.config
    connection = cfg.attributes.get("connection")
    if connection is None or context.is_offline_mode():
        package = cfg.attributes.get("package", "the store's migrations package")
        raise RuntimeError(f"run these migrations through bot.migrate.upgrade(engine, {package!r})")
    context.configure(
        connection=connection,
        target_metadata=None,
        render_as_batch=True,
        version_table=cfg.attributes["version_table"],
    )
    with context.begin_transaction():
        context.run_migrations()
