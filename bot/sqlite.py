"""How our SQLite databases are opened: connections kept, WAL, commits that do not wait for the disk.

SQLAlchemy 1.4 opens a file database anew for every session, and SQLite's default
journal waits for the disk (several fsyncs, 2–3 ms each on this machine) at every
commit. Rasa's SQL tracker store and event broker commit for every event, some twenty
a turn, so with those defaults waiting for the disk was most of a turn
(docs/benchmarks.md). In WAL mode with ``synchronous=NORMAL`` a commit survives any
crash of the process; only a crash of the machine itself can undo the last commits,
and the database stays consistent. Readers never wait for the writer either, so the
staff console can read events while Rasa writes them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.pool import QueuePool


def is_sqlite_file(url: str | URL) -> bool:
    parsed = make_url(url)
    return parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:")


def sqlite_engine(url: str | URL, **kwargs: Any) -> Engine:
    """An engine on an SQLite file that pools its connections and runs each in WAL mode."""
    database = make_url(url).database
    assert database, "an SQLite file, not an in-memory database (each connection would get its own)"
    Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(
        url, poolclass=QueuePool, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs
    )

    @sa.event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn: Any, _record: Any) -> None:
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    return engine
