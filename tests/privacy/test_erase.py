"""A citizen's "delete my data", and the console's deletion, leave nothing of them in PostgreSQL or Redis.

Against the scaled stack: the registry, Rasa's tracker store and event broker and the
console's log are PostgreSQL databases, the lock store and Socket.IO manager Redis.
After the deletion every row of every table of every database, and every key and
value in Redis, is searched for the conversations' ids and the citizen's id.
"""

from __future__ import annotations

import uuid

import requests

from bot.callback.store import CallbackBook
from bot.identity import sign_citizen_token
from tests.accounts.helpers import bearer
from tests.conftest import REGISTRY_TOKEN
from tests.privacy.conftest import all_rows_as_text, redis_as_text
from tests.scaled_stack import Scaled

AUTH = {"Authorization": f"Bearer {REGISTRY_TOKEN}"}


def _citizen_with_a_file(scaled: Scaled) -> str:
    citizen = f"erase-me-{uuid.uuid4().hex[:10]}"
    registry = scaled.stack.service("registry").url
    for material in ("id_card", "household_register"):
        requests.post(
            f"{registry}/citizens/{citizen}/materials", json={"material": material}, headers=AUTH, timeout=10
        )
    assert requests.get(f"{registry}/citizens/{citizen}/materials", headers=AUTH, timeout=10).json()[
        "materials"
    ]
    return citizen


def _say(scaled: Scaled, sender: str, text: str, token: str) -> list[dict]:
    response = requests.post(
        scaled.url + "/webhooks/rest/webhook",
        json={"sender": sender, "message": text, "metadata": {"citizen_token": token}},
        timeout=90,
    )
    assert response.status_code == 200, response.text
    return response.json()


def _bystander(scaled: Scaled) -> str:
    """Someone else's conversation, which a deletion must leave alone."""
    sender = f"bystander-{uuid.uuid4().hex[:8]}"
    assert scaled.say(sender, "/greet").status_code == 200
    return sender


def _nothing_left(scaled: Scaled, bystander: str, *needles: str) -> None:
    s = scaled.stack.settings
    for name, url in (
        ("registry", s.registry.db_url),
        ("tracker store", s.rasa.tracker_db_url),
        ("event broker", s.rasa.event_broker_db_url),
        ("console", s.web.console_db_url),
    ):
        stored = all_rows_as_text(url)
        if name in ("tracker store", "event broker"):  # the search sees what is there
            assert bystander in stored, f"{name}: someone else's conversation was deleted too"
        for needle in needles:
            assert needle not in stored, f"{needle} still in the {name} database"
    in_redis = redis_as_text(scaled.infrastructure.redis.client())
    for needle in needles:
        assert needle not in in_redis, f"{needle} still in Redis"


def test_a_citizens_delete_my_data_removes_their_conversations_and_file_everywhere(scaled: Scaled):
    bystander = _bystander(scaled)
    citizen = _citizen_with_a_file(scaled)
    token = sign_citizen_token(citizen, scaled.stack.settings.secrets.citizen_token_secret)
    earlier, now = f"erase-earlier-{uuid.uuid4().hex[:8]}", f"erase-now-{uuid.uuid4().hex[:8]}"
    _say(scaled, earlier, "我老婆刚生了孩子，要办些什么手续", token)
    _say(scaled, now, "/greet", token)
    stored = all_rows_as_text(scaled.stack.settings.rasa.tracker_db_url)
    assert earlier in stored and now in stored
    # An after-hours callback request of the earlier conversation (with its sealed phone number).
    book = CallbackBook(scaled.stack.settings.web.console_db_url, scaled.stack.settings.secrets.data_secret)
    book.request(earlier, "rest", "13912345678", {"id": "am", "label": "上午"}, None)
    book.engine.dispose()
    assert earlier in all_rows_as_text(scaled.stack.settings.web.console_db_url)

    asked = _say(scaled, now, "删除我的数据", token)
    assert [b["payload"] for m in asked for b in m.get("buttons") or []] == [
        "/confirm_delete_my_data",
        "/deny",
    ]
    done = " ".join(m.get("text", "") for m in _say(scaled, now, "/confirm_delete_my_data", token))
    assert "已删除本次对话" in done and "2 条材料记录也已删除" in done, done

    registry = scaled.stack.service("registry").url
    assert (
        requests.get(f"{registry}/citizens/{citizen}/materials", headers=AUTH, timeout=10).json()["materials"]
        == []
    )
    _nothing_left(scaled, bystander, citizen, earlier, now)


def test_the_consoles_deletion_removes_a_citizens_conversations_and_file_everywhere(scaled: Scaled):
    bystander = _bystander(scaled)
    citizen = _citizen_with_a_file(scaled)
    token = sign_citizen_token(citizen, scaled.stack.settings.secrets.citizen_token_secret)
    conversation = f"erase-staff-{uuid.uuid4().hex[:8]}"
    _say(scaled, conversation, "我老婆刚生了孩子，要办些什么手续", token)
    web = scaled.stack.service("web").url
    staff = bearer(scaled.stack.settings, "tester")
    refused = requests.post(f"{web}/console/api/privacy/erase", json={"citizen_id": citizen}, timeout=30)
    assert refused.status_code == 401
    assert conversation in all_rows_as_text(scaled.stack.settings.rasa.tracker_db_url)
    done = requests.post(
        f"{web}/console/api/privacy/erase", json={"citizen_id": citizen}, headers=staff, timeout=60
    )
    assert done.status_code == 200, done.text
    assert done.json()["file_entries_deleted"] == 2
    _nothing_left(scaled, bystander, citizen, conversation)
