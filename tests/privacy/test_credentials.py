"""Every staff and management path needs its credential; the citizen's own identity alone reads their file."""

from __future__ import annotations

import pytest
import requests

from bot.identity import sign_citizen_token
from tests.conftest import REGISTRY_TOKEN

# Rasa's HTTP API (--enable-api): everything but the channels' webhooks, "/" and "/version".
RASA_API = [
    ("GET", "/status"),
    ("GET", "/domain"),
    ("GET", "/conversations/someone/tracker"),
    ("POST", "/conversations/someone/tracker/events"),
    ("PUT", "/conversations/someone/tracker/events"),
    ("GET", "/conversations/someone/story"),
    ("POST", "/conversations/someone/execute"),
    ("POST", "/conversations/someone/trigger_intent"),
    ("POST", "/conversations/someone/predict"),
    ("POST", "/conversations/someone/messages"),
    ("POST", "/model/parse"),
    ("POST", "/model/predict"),
    ("POST", "/model/train"),
    ("POST", "/model/test/intents"),
    ("POST", "/model/test/stories"),
    ("PUT", "/model"),
    ("DELETE", "/model"),
]
REGISTRY_PROTECTED = [
    ("GET", "/citizens/demo-citizen-001/materials", None),
    ("POST", "/citizens/demo-citizen-001/materials", {"material": "id_card"}),
    ("DELETE", "/citizens/demo-citizen-001/materials", None),
    ("DELETE", "/citizens/demo-citizen-001/materials/id_card", None),
    ("POST", "/checklist", {"scenario": "newborn", "citizen_id": "demo-citizen-001"}),
]


@pytest.mark.parametrize(("method", "path"), RASA_API)
@pytest.mark.parametrize("token", [None, "wrong-token"])
def test_rasas_http_api_needs_its_token(stack, method, path, token):
    params = {"token": token} if token else {}
    response = requests.request(method, stack.service("rasa").url + path, params=params, json={}, timeout=30)
    assert response.status_code in (401, 403), (method, path, response.status_code)


@pytest.mark.parametrize(("method", "path", "body"), REGISTRY_PROTECTED)
@pytest.mark.parametrize("token", [None, "wrong-token", "dev-registry-token"])
def test_the_registrys_writes_and_citizens_files_need_the_service_token(stack, method, path, body, token):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    url = stack.service("registry").url + path
    response = requests.request(method, url, json=body, headers=headers, timeout=30)
    assert response.status_code == 401, (method, path, response.status_code)
    held = requests.get(
        stack.service("registry").url + "/citizens/demo-citizen-001/materials",
        headers={"Authorization": f"Bearer {REGISTRY_TOKEN}"},
        timeout=30,
    ).json()
    assert held["materials"], "a refused request must not have deleted the file"


def test_only_the_citizens_own_signed_identity_reads_their_file(stack, chat):
    from tests.conftest import Chat

    someone = chat(metadata={"citizen_id": "demo-citizen-001"})  # a bare id is not an identity
    someone.say("宝宝出生了要办哪些证")
    card = Chat.card(someone.say("同一民族"))
    assert card is not None and card["reusable"] == []
    forged = sign_citizen_token("demo-citizen-001", "not-the-portals-secret")
    someone = chat(metadata={"citizen_token": forged})
    someone.say("宝宝出生了要办哪些证")
    card = Chat.card(someone.say("同一民族"))
    assert card is not None and card["reusable"] == []
    genuine = sign_citizen_token("demo-citizen-001", stack.settings.secrets.citizen_token_secret)
    citizen = chat(metadata={"citizen_token": genuine})
    citizen.say("宝宝出生了要办哪些证")
    card = Chat.card(citizen.say("同一民族"))
    assert card is not None and card["reusable"], "the citizen's own token shows their earlier submissions"
