"""Helpers for the privacy tests: read every row of every table, and every key of Redis, as text."""

from __future__ import annotations

import sqlalchemy as sa


def all_rows_as_text(db_url: str) -> str:
    """Every row of every table of a database, as one string to search for personal data."""
    engine = sa.create_engine(db_url)
    try:
        parts = []
        with engine.connect() as connection:
            for table in sa.inspect(engine).get_table_names():
                for row in connection.execute(sa.text(f'SELECT * FROM "{table}"')):
                    parts.append(f"{table}: {row!r}")
        return "\n".join(parts)
    finally:
        engine.dispose()


def redis_as_text(client) -> str:
    parts = []
    for key in client.scan_iter(count=1000):
        kind = client.type(key)
        value = client.get(key) if kind == b"string" else repr(client.dump(key))
        parts.append(f"{key!r}: {value!r}")
    return "\n".join(parts)
