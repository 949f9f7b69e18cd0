"""The changes made for speed (docs/benchmarks.md) do what the code did before, only faster."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from bot.registry.files import read_yaml
from bot.settings import ROOT
from bot.sqlite import is_sqlite_file, sqlite_engine


def test_libyaml_reads_the_registry_exactly_as_the_python_parser_does() -> None:
    import yaml

    for path in sorted((ROOT / "data" / "registry").rglob("*.yml")):
        with path.open(encoding="utf-8") as fh:
            assert read_yaml(path) == yaml.safe_load(fh), path


def test_sqlite_files_are_opened_in_wal_mode_with_kept_connections(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'sub' / 'x.sqlite3'}"
    assert is_sqlite_file(url) and not is_sqlite_file("sqlite://") and not is_sqlite_file("postgresql://h/db")
    engine = sqlite_engine(url)
    with engine.connect() as conn:
        assert conn.execute(sa.text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(sa.text("PRAGMA synchronous")).scalar() == 1  # NORMAL
    assert engine.pool.__class__.__name__ == "QueuePool"
    engine.dispose()


@pytest.fixture(scope="module")
def remote_action() -> Iterator[Any]:
    from rasa.core.actions.action import RemoteAction

    from bot.rasa_compat import action_reply

    action_reply.install()
    yield RemoteAction("action_x", None)
    action_reply.uninstall()


def test_a_valid_action_reply_passes_the_kept_validator(remote_action: Any) -> None:
    reply = {
        "events": [{"event": "slot", "name": "scenario", "value": "newborn"}],
        "responses": [{"text": "好的", "buttons": [{"title": "转人工", "payload": "/human_handoff"}]}],
    }
    assert remote_action._validate_action_result(reply) is True


@pytest.mark.parametrize(
    "reply", [{"events": "not a list"}, {"events": [{"event": "slot"}]}, {"responses": "no"}]
)
def test_an_invalid_action_reply_raises_rasas_own_error(remote_action: Any, reply: dict) -> None:
    from jsonschema import ValidationError
    from rasa.core.actions.action import RemoteAction

    from bot.rasa_compat.action_reply import rasa_validate_action_result as _rasa_check

    with pytest.raises(ValidationError) as ours:
        remote_action._validate_action_result(reply)
    with pytest.raises(ValidationError) as rasas:
        _rasa_check(RemoteAction("action_x", None), reply)
    assert ours.value.message == rasas.value.message
    assert "Failed to validate Action server response" in ours.value.message


def test_a_turns_events_reach_the_event_broker_and_the_tracker_table_as_rasa_would_write_them(
    tmp_path: Path,
) -> None:
    """Two turns: one transaction a turn writes the same rows, in the same order, as Rasa's
    one per event, and the tracker table gets the same rows as Rasa's own save."""
    from rasa.core.brokers.sql import SQLEventBroker
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered

    from bot.ops.rasa_stores import EventBroker, TrackerStore
    from tests.rasa_compat.saved_rows import saved_rows

    first = [
        ActionExecuted("action_listen"),
        UserUttered("孩子出生了", {"name": "scenario_newborn", "confidence": 0.9}),
        SlotSet("scenario", "newborn"),
        BotUttered("好的"),
        ActionExecuted("action_listen"),
    ]
    second = [
        UserUttered("身份证要交吗", {"name": "ask_material", "confidence": 0.8}),
        ActionExecuted("action_answer_material"),
        BotUttered("不用交"),
        ActionExecuted("action_listen"),
    ]

    def rows(store_class: type, broker_class: type, name: str) -> tuple[list[tuple], list[tuple]]:
        return saved_rows(tmp_path, store_class, broker_class, name, (first, first + second))

    ours = rows(TrackerStore, EventBroker, "ours")
    assert len(ours[0]) == len(ours[1]) == len(first) + len(second)
    assert ours == rows(SQLTrackerStore, SQLEventBroker, "rasa")


def test_a_new_conversations_empty_tracker_is_saved_without_touching_the_database(tmp_path: Path) -> None:
    """Rasa saves an empty tracker for every new conversation before its first turn; its own SQL
    store writes no row for it. Ours writes none either, and runs no statement at all."""
    import asyncio

    from rasa.core.brokers.sql import SQLEventBroker
    from rasa.core.tracker_store import FailSafeTrackerStore, SQLTrackerStore
    from rasa.shared.core.domain import Domain

    from bot.ops.rasa_stores import EventBroker, TrackerStore
    from tests.rasa_compat.saved_rows import PUBLISHED, STORED

    def new_conversation(store_class: type, broker_class: type, name: str) -> tuple[Any, list, list, int]:
        broker = broker_class(db=str(tmp_path / f"{name}-events.sqlite3"))
        store = store_class(Domain.empty(), db=str(tmp_path / f"{name}-tracker.sqlite3"), event_broker=broker)
        statements = []
        for engine in (store.engine, broker.engine):
            sa.event.listen(engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
        # What Rasa's processor does for a message of an unknown sender (MessageProcessor.get_tracker).
        tracker = asyncio.run(
            FailSafeTrackerStore(store).get_or_create_tracker("citizen-1", append_action_listen=False)
        )
        ran = len(statements)
        retrieved = asyncio.run(store.retrieve("citizen-1"))
        with broker.engine.connect() as conn:
            published = list(conn.execute(sa.text(PUBLISHED)))
        with store.engine.connect() as conn:
            stored = list(conn.execute(sa.text(STORED)))
        assert not tracker.events and retrieved is None
        return retrieved, published, stored, ran

    rasas = new_conversation(SQLTrackerStore, SQLEventBroker, "rasa")
    ours = new_conversation(TrackerStore, EventBroker, "ours")
    assert rasas[:3] == ours[:3] == (None, [], [])
    # Rasa looks the sender up (1 query) and then queries again to save nothing; ours only looks up.
    assert rasas[3] > ours[3] == 1


def test_rasa_still_saves_a_new_conversations_tracker_before_its_first_turn() -> None:
    """The save that the test above makes free: if Rasa stops making it, the skip is dead code."""
    import inspect

    from rasa.core.processor import MessageProcessor
    from rasa.core.tracker_store import TrackerStore

    assert "await self.save(tracker)" in inspect.getsource(TrackerStore.create_tracker)
    assert "get_or_create_tracker(" in inspect.getsource(MessageProcessor.get_tracker)
    assert "append_action_listen=False" in inspect.getsource(MessageProcessor.get_tracker)
