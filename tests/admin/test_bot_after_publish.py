"""A reviewed change reaches citizens through the bot, and nothing reaches them before the review.

The whole system as ``make run`` starts it (web server, registry, action server, Rasa) over a
private copy of the registry: an editor drafts an exemption with its source, the bot's answer is
unchanged while it is a draft, a reviewer approves it, the registry loads the published files as
a new version, and the bot's next answer to the same words has the material exempt.
"""

from __future__ import annotations

import shutil
import time
import uuid
from collections.abc import Iterator

import pytest
import requests

from bot.nlu.cli import latest_model
from bot.ops.stack import Stack, settings_on_free_ports
from bot.settings import ROOT
from tests.accounts.helpers import bearer
from tests.admin.conftest import MARRIAGE_EXEMPT, SOURCE
from tests.conftest import REGISTRY_TOKEN, Chat
from tests.test_conversation_e2e import statuses

MATERIAL = "marriage_certificate"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    model = latest_model()
    assert model is not None, "no trained model: run 'python -m bot train' (make test does)"
    tmp = tmp_path_factory.mktemp("publish-stack")
    data = tmp / "registry"
    shutil.copytree(ROOT / "data" / "registry", data)
    settings = settings_on_free_ports(
        tmp / "var", registry_token=REGISTRY_TOKEN, registry_dir=data, registry_reload_seconds=0.3
    )
    running = Stack(settings, model, tmp / "logs").start()
    try:
        yield running
    finally:
        running.stop()


def bot_answer(stack: Stack) -> dict[str, set[str]]:
    """What the bot tells a new parent, material by material, in a new conversation."""
    person = Chat(stack.service("rasa").url, f"publish-{uuid.uuid4().hex[:8]}", None)
    asked = person.say("我老婆刚生了孩子，要办些什么手续")
    assert Chat.buttons(asked) == ["同一民族", "不同民族"], Chat.text(asked)
    card = Chat.card(person.say("同一民族"))
    assert card is not None
    return statuses(card)


def current_version(stack: Stack) -> int:
    return int(requests.get(stack.service("registry").url + "/versions", timeout=10).json()["current"])


def test_a_published_exemption_changes_the_bots_next_answer_and_a_draft_does_not(stack: Stack) -> None:
    web = stack.service("web").url
    editor = bearer(stack.settings, "editor-wang", role="editor")
    reviewer = bearer(stack.settings, "reviewer-zhao", role="reviewer")
    assert MATERIAL in bot_answer(stack)["to_submit"]
    version = current_version(stack)

    drafted = requests.post(
        web + "/admin/api/drafts",
        json={"change": MARRIAGE_EXEMPT, "source": SOURCE},
        headers=editor,
        timeout=60,
    )
    assert drafted.status_code == 201, drafted.text
    draft = drafted.json()["id"]
    # A draft reaches no one: the bot still asks for the certificate, the registry has no new version.
    assert MATERIAL in bot_answer(stack)["to_submit"]
    assert current_version(stack) == version

    approved = requests.post(f"{web}/admin/api/drafts/{draft}/approve", json={}, headers=reviewer, timeout=60)
    assert approved.status_code == 200, approved.text
    deadline = time.monotonic() + 60
    while current_version(stack) == version:
        assert time.monotonic() < deadline, "the registry never loaded the published change"
        time.sleep(0.3)

    after = bot_answer(stack)
    assert MATERIAL in after["exempt"] and MATERIAL not in after["to_submit"]
