"""Conversations idle for longer than retention_days are purged from Rasa's tracker store and event broker."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import sqlalchemy as sa

from bot.callback.store import CallbackBook
from bot.privacy.retention import DAY, purge
from bot.settings import ROOT
from tests.privacy.conftest import all_rows_as_text


def _age(db_url: str, sender: str, days: float, broker: bool) -> None:
    """Move a conversation's events ``days`` into the past, in the table's own format."""
    engine = sa.create_engine(db_url)
    with engine.begin() as connection:
        rows = connection.execute(
            sa.text("SELECT id, data FROM events WHERE sender_id = :s"), {"s": sender}
        ).all()
        assert rows, f"{sender} not in {db_url}"
        for row_id, data in rows:
            event = json.loads(data)
            event["timestamp"] = float(event.get("timestamp") or time.time()) - days * DAY
            values = {"d": json.dumps(event), "i": row_id}
            if broker:
                connection.execute(sa.text("UPDATE events SET data = :d WHERE id = :i"), values)
            else:
                values["t"] = event["timestamp"]
                connection.execute(
                    sa.text("UPDATE events SET data = :d, timestamp = :t WHERE id = :i"), values
                )
    engine.dispose()


def test_old_conversations_are_purged_and_recent_ones_kept(stack, chat):
    old, recent = chat(), chat()
    old.say("/greet")
    recent.say("/greet")
    settings = stack.settings.replace(retention_days=30)
    _age(settings.tracker_store_url, old.sender, 31, broker=False)
    _age(settings.events_store_url, old.sender, 31, broker=True)
    book = CallbackBook(settings.console_store_url, settings.secrets.data_secret)
    for person in (old, recent):
        book.request(person.sender, "rest", "13912345678", {"id": "am", "label": "上午"}, None)
    book.engine.dispose()
    done = purge(settings)
    assert done.conversations >= 1
    for url in (settings.tracker_store_url, settings.events_store_url, settings.console_store_url):
        stored = all_rows_as_text(url)
        assert old.sender not in stored
        assert recent.sender in stored


def test_the_purge_command_runs_on_the_configured_stores(stack):
    env = {"ONCEONLY_VAR_DIR": str(stack.settings.var_dir), "RASA_TELEMETRY_ENABLED": "false"}
    done = subprocess.run(
        [sys.executable, "-m", "bot", "privacy", "purge", "--days", "3650"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**__import__("os").environ, **env},
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "purged 0 conversation(s) idle > 3650 days" in done.stdout
