"""Numbers people type (ID card, phone, bank card) never reach Rasa's stores or any log, and the bot
still understands the message: through the REST channel, the web widget's Socket.IO and WeChat."""

from __future__ import annotations

import json
import time

import requests

from bot.privacy.redact import REDACTED, redact
from bot.settings import ROOT
from tests.conftest import Chat, rasa_tracker
from tests.fuzz.test_weixin_endpoints import _fields, _signed
from tests.privacy.conftest import all_rows_as_text

ID_NUMBER = "430102199001011238"
PHONE = "13973112345"
CARD = "6222021234567890128"
NUMBERS = (ID_NUMBER, PHONE, CARD)
SAID = f"我老婆刚生了孩子，要办些什么手续？我身份证{ID_NUMBER}，电话{PHONE}，银行卡{CARD}"


def _nowhere(stack) -> None:
    s = stack.settings
    places = {
        "tracker store": all_rows_as_text(s.tracker_store_url),
        "event broker": all_rows_as_text(s.events_store_url),
    }
    places |= {log.name: log.read_text(errors="replace") for log in stack.log_dir.glob("*.log")}
    for where, text in places.items():
        for number in NUMBERS:
            assert number not in text, f"{number} in {where}"


def test_rest_numbers_are_redacted_before_storing_and_the_bot_still_understands(stack, chat):
    person = chat()
    reply = person.say(SAID)
    assert "新生儿出生一件事" in Chat.text(reply)
    tracker = rasa_tracker(stack, person.sender)
    said = [e["text"] for e in tracker["events"] if e["event"] == "user"]
    assert said == [redact(SAID)] and said[0].count(REDACTED) == 3
    _nowhere(stack)


def test_the_widgets_socket_and_wechat_redact_too(stack):
    from tests.web.conftest import SocketChat

    widget = SocketChat(stack.service("rasa").url)
    try:
        replies = widget.say(SAID, replies=2)
        assert any("新生儿出生一件事" in (m.get("text") or "") for m in replies)
    finally:
        widget.close()
    openid = "fuzz-openid-redaction-000000"
    response = requests.post(
        f"{stack.service('rasa').url}/webhooks/wechat/webhook",
        params=_signed("redact1"),
        data=_fields(SAID, "text", openid),
        timeout=30,
    )
    assert response.status_code == 200
    deadline = time.monotonic() + 30
    while openid not in all_rows_as_text(stack.settings.tracker_store_url):
        assert time.monotonic() < deadline, "the WeChat message never reached the tracker store"
        time.sleep(0.2)
    _nowhere(stack)


def test_redaction_does_not_make_the_bot_understand_worse(stack):
    """Held-out phrases of every matter with a personal number added, as people write them: the
    matter the bot identifies in the redacted message is the one it identifies in the phrase alone
    as often as with the number left in, and for at least 90% of them."""
    from bot.nlu.intents import identify
    from bot.registry.files import load_registry

    known = set(load_registry(ROOT / "data" / "registry").scenarios)
    lines = (ROOT / "tests" / "eval" / "heldout.jsonl").read_text(encoding="utf-8").splitlines()
    phrases = [
        json.loads(line)["text"] for line in lines if line.strip() and json.loads(line).get("scenario")
    ][::8]
    url = f"{stack.service('rasa').url}/model/parse"
    params = {"token": stack.settings.secrets.rasa_api_token}

    def matter(text: str) -> str | None:
        parsed = requests.post(url, params=params, json={"text": text}, timeout=30).json()
        return identify(parsed, known=known).scenario

    same_clear = same_redacted = 0
    for i, phrase in enumerate(phrases):
        added = (f"，我电话{PHONE}", f"，身份证号{ID_NUMBER}", f"，银行卡{CARD}")[i % 3]
        alone = matter(phrase)
        same_clear += matter(phrase + added) == alone
        same_redacted += matter(redact(phrase + added)) == alone
    assert same_redacted >= same_clear - 1, (same_redacted, same_clear, len(phrases))
    assert same_redacted >= 0.9 * len(phrases), (same_redacted, len(phrases))
