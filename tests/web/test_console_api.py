"""The console's HTTP API against the real stack: login, the handoff path, assistance, audit, bad input.

The citizen side is a real Socket.IO client (python-socketio) on the Rasa server's
channel, the same one the widget uses; the staff side calls /console/api.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
import requests
import sqlalchemy as sa

from bot.nlu.intents import identify
from bot.registry.client import RegistryClient
from tests.accounts.helpers import account, bearer

SAY_NEWBORN = "我老婆刚生了孩子"


@pytest.fixture(scope="module")
def registry_client(stack) -> RegistryClient:
    return RegistryClient.from_settings(stack.settings)


@pytest.fixture
def api(web: str, stack, staff_headers: dict[str, str]):
    """``api("POST", "/take…", json=…, staff="…")`` → response; signed in as staff unless ``headers`` given."""

    def call(method: str, path: str, staff: str | None = None, **kwargs: Any) -> requests.Response:
        headers = dict(staff_headers)
        if staff:
            # percent-encoded UTF-8 (李四 travels in a header), and an account of that name
            headers = bearer(stack.settings, staff)
        headers.update(kwargs.pop("headers", {}))
        return requests.request(method, f"{web}/console/api{path}", headers=headers, timeout=30, **kwargs)

    return call


@pytest.fixture
def handed_off(socket_chat):
    """A widget conversation that asked for a person (it picked the matter first)."""
    chat = socket_chat()
    chat.say(SAY_NEWBORN, replies=2)
    reply = chat.say("转人工")
    assert "转人工" in reply[-1]["text"]
    return chat


def broker_rows(stack, sender_id: str) -> int:
    engine = sa.create_engine(stack.settings.events_store_url)
    with engine.connect() as connection:
        return connection.execute(
            sa.text("SELECT count(*) FROM events WHERE sender_id = :s"), {"s": sender_id}
        ).scalar_one()


def wait_for(condition, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline
        time.sleep(0.1)


# -- login ---------------------------------------------------------------------------------

CONSOLE_ROUTES = [
    ("GET", "/console/api/me", None),
    ("GET", "/console/api/queue", None),
    ("GET", "/console/api/conversations/abc12345", None),
    ("POST", "/console/api/conversations/abc12345/take", {}),
    ("POST", "/console/api/conversations/abc12345/reply", {"text": "hi"}),
    ("POST", "/console/api/conversations/abc12345/checklist", {"scenario": "newborn"}),
    ("POST", "/console/api/conversations/abc12345/release", {}),
    ("POST", "/console/api/assist", {"text": "退休"}),
    ("GET", "/console/api/scenarios", None),
    ("GET", "/console/api/registry-search?q=%E9%A9%BE%E9%A9%B6%E8%AF%81", None),
    ("POST", "/console/api/citizen-file", {"citizen_id": "demo-citizen-001"}),
    ("GET", "/console/api/audit", None),
    ("GET", "/console/assets/console.js", None),
    ("GET", "/console/assets/console.css", None),
    ("GET", "/console/anything/else", None),
    ("DELETE", "/console/api/queue", None),
    ("POST", "/console/api/conversations/abc12345/reply", "{not json"),
]


@pytest.mark.parametrize(("method", "path", "body"), CONSOLE_ROUTES)
@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer wrong-token", "X-Staff-Name": "tester"},
        {"Authorization": "Bearer "},
        {"Cookie": "onceonly_session=eyJzdGFmZiI6ICJ4IiwgImV4cCI6IDk5OTk5OTk5OTl9.forged"},
        {"Authorization": "Bearer dev-staff-token", "X-Staff-Name": "nobody-has-this-account"},
    ],
    ids=["none", "wrong-token", "empty-bearer", "forged-cookie", "no-such-account"],
)
def test_every_console_request_without_the_staff_token_gets_401(web, method, path, body, headers):
    sent = {"data": body} if isinstance(body, str) else {"json": body}
    response = requests.request(method, web + path, headers=headers, timeout=10, **sent)
    assert response.status_code == 401, response.text
    assert response.json()["error"]["code"] == "unauthorized"


def test_the_console_page_without_login_is_a_401_login_form(web):
    response = requests.get(web + "/console", timeout=10)
    assert response.status_code == 401
    assert 'action="/console/login"' in response.text and 'name="password"' in response.text
    assert "queue-list" not in response.text


def test_the_token_without_a_staff_name_is_not_enough(web, stack):
    response = requests.get(
        web + "/console/api/me",
        headers={"Authorization": f"Bearer {stack.settings.secrets.staff_token}"},
        timeout=10,
    )
    assert response.status_code == 401


def test_login_gives_a_session_that_names_the_staff_member(web, stack):
    password = account(stack.settings, "王五")
    session = requests.Session()
    wrong = session.post(web + "/console/login", data={"name": "王五", "password": "nope"}, timeout=10)
    assert wrong.status_code == 401 and "账号或密码不对" in wrong.text
    bad_name = session.post(
        web + "/console/login", data={"name": "<b>x</b>", "password": password}, timeout=10
    )
    assert bad_name.status_code == 401 and "<b>x</b>" not in bad_name.text
    ok = session.post(
        web + "/console/login", data={"name": "王五", "password": password}, allow_redirects=False, timeout=10
    )
    assert ok.status_code == 303 and ok.headers["location"] == "/console"
    cookie = ok.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/;" in cookie
    assert session.get(web + "/console/api/me", timeout=10).json() == {"staff": "王五"}
    page = session.get(web + "/console", timeout=10)
    assert (
        page.status_code == 200
        and "王五" in page.text
        and "default-src 'self'" in page.headers["content-security-policy"]
    )
    session.post(web + "/console/logout", timeout=10)
    assert session.get(web + "/console/api/me", timeout=10).status_code == 401


# -- the handoff path ---------------------------------------------------------------------------


def test_take_reply_send_the_card_and_hand_back(api, handed_off, tracker):
    chat = handed_off
    conversation = chat.session_id
    queue = api("GET", "/queue").json()["conversations"]
    mine = next(c for c in queue if c["id"] == conversation)
    assert mine["kind"] == "web_chat" and mine["handoff"] == "requested" and not mine["paused"]
    assert mine["scenario"] == {"id": "newborn", "name": "新生儿出生一件事", "kind": "scenario"}
    said = mine["last_messages"][-2]
    assert (said["from"], said["text"]) == ("citizen", "转人工")
    assert mine["answers"] == [] and mine["citizen_id"] is None

    # Someone else cannot reply, nor hand back, before taking it.
    assert api("POST", f"/conversations/{conversation}/reply", json={"text": "hi"}).status_code == 409
    assert api("POST", f"/conversations/{conversation}/release").status_code == 409

    start = len(chat.messages)
    taken = api("POST", f"/conversations/{conversation}/take")
    assert taken.status_code == 200, taken.text
    assert taken.json()["paused"] and taken.json()["taken_by"] == "tester"
    chat.wait(lambda: len(chat.messages) > start)
    assert (
        chat.messages[start]["custom"] == {"type": "staff_reply"}
        and "人工客服" in chat.messages[start]["text"]
    )
    # A colleague finds it taken.
    other = api("POST", f"/conversations/{conversation}/take", staff="colleague")
    assert other.status_code == 409 and "tester" in other.json()["error"]["message"]
    assert (
        api("POST", f"/conversations/{conversation}/reply", staff="colleague", json={"text": "x"}).status_code
        == 409
    )

    start = len(chat.messages)
    hostile = "<script>alert(1)</script> {staff_message} **注意** 结婚证请带原件"
    assert api("POST", f"/conversations/{conversation}/reply", json={"text": hostile}).status_code == 200
    chat.wait(lambda: len(chat.messages) > start)
    assert chat.messages[start] == {"text": hostile, "custom": {"type": "staff_reply"}}

    # The bot is paused: what the citizen says is recorded, and nothing answers but staff.
    start = len(chat.messages)
    chat.client.emit("user_uttered", {"message": "好的，谢谢", "session_id": conversation})

    def recorded() -> bool:
        last = api("GET", f"/conversations/{conversation}").json()["messages"][-1]
        return (last["from"], last["text"]) == ("citizen", "好的，谢谢")

    wait_for(recorded)  # Rasa has finished that turn: a bot answer would have been sent before it saved

    # The checklist card: the bot's own action, one Socket.IO event with text, card and quick replies.
    # It goes down the same socket after that turn, so the first message after the citizen's is the card.
    sent = api(
        "POST",
        f"/conversations/{conversation}/checklist",
        json={"scenario": "newborn", "answers": {"parents_ethnicity": "different"}},
    )
    assert sent.status_code == 200, sent.text
    chat.wait(
        lambda: any("custom" in m and m["custom"].get("type") == "checklist" for m in chat.messages[start:])
    )
    card_event = chat.messages[start]
    assert card_event.get("custom", {}).get("type") == "checklist", "the bot stayed quiet while paused"
    assert card_event["text"].startswith("【新生儿出生一件事】")
    assert card_event["custom"]["answers"] == {"parents_ethnicity": "different"}
    assert [r["title"] for r in card_event["quick_replies"]][-1] == "转人工"

    released = api("POST", f"/conversations/{conversation}/release")
    assert released.status_code == 200 and released.json()["handoff"] == "returned"
    state = tracker(conversation)
    assert not state["paused"] and state["slots"]["handoff"] == "returned"
    wait_for(lambda: conversation not in [c["id"] for c in api("GET", "/queue").json()["conversations"]])
    # The bot answers again.
    answer = chat.say("我要退休了", replies=1)
    assert "退休" in answer[0]["text"]


def test_a_rest_conversation_is_not_offered_for_web_reply(api, chat, stack):
    person = chat()
    person.say("转人工")
    queue = api("GET", "/queue").json()["conversations"]
    assert person.sender not in [c["id"] for c in queue]
    refused = api("POST", f"/conversations/{person.sender}/take")
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "not_replyable"


# -- assistance, citizen files and the audit log --------------------------------------------------


def test_assist_is_the_bots_own_identification_and_the_registrys_checklist(api, rasa, stack, registry_client):
    parse = requests.post(
        f"{rasa}/model/parse",
        params={"token": stack.settings.secrets.rasa_api_token},
        json={"text": SAY_NEWBORN},
        timeout=10,
    ).json()
    # The console knows every guide with a material list: the scenarios and the matters.
    names = {s["id"] for s in registry_client.search_scenarios(None, 500)}
    names |= {m["id"] for m in registry_client.search_matters(None, 500) if m["kind"] == "matter"}
    expected = identify(parse, known=names)
    result = api("POST", "/assist", json={"text": SAY_NEWBORN}).json()
    assert (
        (result["decision"], result["scenario"]["id"])
        == (expected.decision, expected.scenario)
        == ("identified", "newborn")
    )
    assert result["confidence"] == expected.confidence
    assert [r["id"] for r in result["ranking"]] == [r["scenario"] for r in expected.ranking]
    assert [q["id"] for q in result["questions"]] == ["parents_ethnicity"]
    assert result["checklist"]["summary"] == registry_client.checklist("newborn", {})["summary"]

    answered = api(
        "POST", "/assist", json={"text": SAY_NEWBORN, "answers": {"parents_ethnicity": "different"}}
    ).json()
    assert answered["questions"] == []
    assert (
        answered["checklist"]["summary"]
        == registry_client.checklist("newborn", {"parents_ethnicity": "different"})["summary"]
    )

    picked = api("POST", "/assist", json={"text": "", "scenario": "retirement"}).json()
    assert picked["decision"] is None and picked["scenario"]["id"] == "retirement"
    # A passport is a matter in the registry, never a look-alike scenario (居民信息变更).
    passport = api("POST", "/assist", json={"text": "护照过期了怎么换"}).json()
    assert passport["entry"] is not None and passport["entry"]["kind"] != "scenario", passport["entry"]
    assert passport["scenario"] is None or passport["scenario"]["kind"] == "matter"
    nothing = api("POST", "/assist", json={"text": "明天长沙天气怎么样"}).json()
    assert nothing["entry"] is None and nothing["scenario"] is None and nothing["checklist"] is None


def test_a_citizen_file_lookup_is_recorded_before_it_is_read(api, registry_client):
    before = api("GET", "/audit?citizen_id=demo-citizen-003").json()["entries"]
    looked = api(
        "POST",
        "/citizen-file",
        staff="李四",
        json={"citizen_id": "demo-citizen-003", "reason": "来电咨询开饭店", "scenario": "restaurant_opening"},
    )
    assert looked.status_code == 200, looked.text
    body = looked.json()
    assert [e["material"] for e in body["file"]] == [
        e["material"] for e in registry_client.citizen_file("demo-citizen-003")
    ]
    assert (
        body["checklist"]["summary"]
        == registry_client.checklist("restaurant_opening", {}, "demo-citizen-003")["summary"]
    )
    assert body["checklist"]["reusable"]
    after = api("GET", "/audit?citizen_id=demo-citizen-003").json()["entries"]
    assert len(after) == len(before) + 1
    entry = after[0]
    assert (entry["staff"], entry["citizen_id"], entry["reason"]) == (
        "李四",
        "demo-citizen-003",
        "来电咨询开饭店",
    )
    assert abs(entry["at"] - time.time()) < 60 and entry["id"] == body["audit_id"]
    everyone = api("GET", "/audit").json()["entries"]
    assert everyone[0]["id"] == entry["id"]


# -- bad input ------------------------------------------------------------------------------------

BAD_BODIES = [
    ("/reply", b"{not json", 422),
    ("/reply", b"[]", 422),
    ("/reply", b'{"text": 5}', 422),
    ("/reply", b'{"text": ""}', 422),
    ("/reply", b'{"text": "   "}', 422),
    ("/reply", b'{"text": "a\\u0000b"}', 422),
    ("/reply", ('{"text": "' + "长" * 2001 + '"}').encode(), 422),
    ("/reply", b'{"text": "hi", "extra": 1}', 422),
    ("/reply", b'{"text": "' + b"x" * 300_000 + b'"}', 413),
    ("/checklist", b'{"scenario": "../../etc"}', 422),
    ("/checklist", b'{"scenario": "newborn", "answers": "same"}', 422),
    ("/checklist", b'{"scenario": "newborn", "answers": {"parents_ethnicity": 1}}', 422),
]


def test_bad_input_about_a_waiting_conversation_is_refused_and_changes_nothing(
    api, handed_off, tracker, stack
):
    conversation = handed_off.session_id
    events_before = len(tracker(conversation)["events"])
    rows_before = broker_rows(stack, conversation)
    for suffix, body, status in BAD_BODIES:
        response = api(
            "POST",
            f"/conversations/{conversation}{suffix}",
            data=body,
            headers={"Content-Type": "application/json"},
        )
        assert response.status_code == status, (suffix, body[:60], response.text)
        assert response.json()["error"]["code"], response.text
    assert len(tracker(conversation)["events"]) == events_before
    # Not taken yet: well-formed requests that need it taken are refused too.
    assert (
        api("POST", f"/conversations/{conversation}/checklist", json={"scenario": "newborn"}).status_code
        == 409
    )
    assert api("POST", f"/conversations/{conversation}/reply", json={"text": "hi"}).status_code == 409
    # Taken: an unknown scenario, answers the scenario does not have.
    assert api("POST", f"/conversations/{conversation}/take").status_code == 200
    taken_events = len(tracker(conversation)["events"])
    for body, status in (
        ({"scenario": "no_such_matter"}, 404),
        ({"scenario": "newborn", "answers": {"no_such_question": "x"}}, 422),
        ({"scenario": "newborn", "answers": {"parents_ethnicity": "maybe"}}, 422),
    ):
        response = api("POST", f"/conversations/{conversation}/checklist", json=body)
        assert response.status_code == status, (body, response.text)
    assert len(tracker(conversation)["events"]) == taken_events
    assert events_before < taken_events and broker_rows(stack, conversation) > rows_before


@pytest.mark.parametrize("action", ["take", "release", "reply"])
def test_unknown_conversations_are_404_and_never_reach_rasa(api, stack, action):
    unknown = "never-asked-0123456789abcdef"
    body = {"text": "hello"} if action == "reply" else {}
    response = api("POST", f"/conversations/{unknown}/{action}", json=body)
    assert response.status_code == 404 and response.json()["error"]["code"] == "unknown_conversation"
    assert api("GET", f"/conversations/{unknown}").status_code == 404
    assert broker_rows(stack, unknown) == 0


@pytest.mark.parametrize("conversation", ["a" * 200, "bad id", "-leading", "x;y"])
def test_malformed_conversation_ids_are_refused(api, conversation):
    response = api("POST", f"/conversations/{requests.utils.quote(conversation, safe='')}/take")
    assert response.status_code in (404, 422), response.text


@pytest.mark.parametrize(
    ("path", "body", "status"),
    [
        ("/assist", {"text": 5}, 422),
        ("/assist", {"text": "x" * 501}, 422),
        ("/assist", {"text": "退休", "scenario": "Robert'); DROP TABLE"}, 422),
        ("/assist", {"text": "退休", "scenario": "no_such_matter"}, 404),
        ("/assist", {"text": "退休", "scenario": "newborn", "answers": {"parents_ethnicity": "maybe"}}, 422),
        ("/assist", {"text": "退休", "answers": {f"q{i}": "x" for i in range(65)}}, 422),
        ("/citizen-file", {}, 422),
        ("/citizen-file", {"citizen_id": "<script>alert(1)</script>"}, 422),
        ("/citizen-file", {"citizen_id": "x" * 200}, 422),
        ("/citizen-file", {"citizen_id": ["demo-citizen-001"]}, 422),
        ("/citizen-file", {"citizen_id": "demo-citizen-001", "reason": "a\u0007b"}, 422),
        ("/citizen-file", {"citizen_id": "demo-citizen-001", "scenario": "no_such_matter"}, 404),
        (
            "/citizen-file",
            {"citizen_id": "demo-citizen-001", "scenario": "newborn", "answers": {"x": "y"}},
            422,
        ),
        ("/citizen-file", {"citizen_id": "demo-citizen-001", "conversation_id": "../x"}, 422),
    ],
)
def test_bad_assistance_and_lookup_requests_are_refused_and_nothing_is_audited(api, path, body, status):
    before = len(api("GET", "/audit?limit=500").json()["entries"])
    response = api("POST", path, json=body)
    assert response.status_code == status, response.text
    assert response.json()["error"]["message"]
    assert len(api("GET", "/audit?limit=500").json()["entries"]) == before


@pytest.mark.parametrize("query", ["limit=0", "limit=501", "limit=abc", "citizen_id=%3Cscript%3E"])
def test_bad_audit_queries_are_refused(api, query):
    assert api("GET", f"/audit?{query}").status_code == 422


def test_demo_sign_in_signs_only_demo_citizens(web, stack):
    from bot.identity import verify_citizen_token

    ok = requests.post(web + "/demo/citizen-token", json={"citizen_id": "demo-citizen-002"}, timeout=10)
    assert ok.status_code == 200
    assert (
        verify_citizen_token(ok.json()["citizen_token"], stack.settings.secrets.citizen_token_secret)
        == "demo-citizen-002"
    )
    for body, status in (
        ({"citizen_id": "someone-else"}, 404),
        ({"citizen_id": 7}, 422),
        ({"citizen_id": "demo-citizen-001", "sub": "x"}, 422),
        ([], 422),
    ):
        assert requests.post(web + "/demo/citizen-token", json=body, timeout=10).status_code == status
