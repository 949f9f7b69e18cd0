"""After hours, 转人工 offers a callback: the request reaches the console's queue with the phone masked,
stored encrypted, revealed only on purpose (logged), deleted when staff mark it done. Bad input changes nothing.

The after-hours stack (tests/callback/conftest.py): real Rasa, actions, registry, web server.
"""

from __future__ import annotations

import json
import uuid

import pytest
import requests
import sqlalchemy as sa

from tests.accounts.helpers import bearer
from tests.conftest import Chat

PHONE, MASKED = "13800138000", "138****8000"


@pytest.fixture
def person(after_hours):
    return Chat(after_hours.service("rasa").url, f"after-hours-{uuid.uuid4().hex[:10]}")


@pytest.fixture(scope="module")
def staff(after_hours):
    return bearer(after_hours.settings, "wang-wu")


def offer_of(messages: list[dict]) -> dict:
    return next(m["custom"] for m in messages if (m.get("custom") or {}).get("type") == "callback_offer")


def rows(stack) -> list[dict]:
    engine = sa.create_engine(stack.settings.console_store_url)
    with engine.connect() as conn:
        found = [
            dict(r._mapping) for r in conn.execute(sa.text("SELECT * FROM callback_requests ORDER BY id"))
        ]
    engine.dispose()
    return found


def request_callback(stack, person: Chat, phone: str = "138 0013 8000") -> tuple[dict, requests.Response]:
    person.say("我老婆刚生了孩子，要办些什么手续")
    reply = person.say("转人工")
    offer = offer_of(reply)
    response = requests.post(
        stack.service("web").url + "/callback",
        json={"token": offer["token"], "phone": phone, "window": offer["windows"][0]["id"]},
        timeout=30,
    )
    return offer | {"reply": reply}, response


def test_outside_office_hours_a_callback_request_reaches_the_queue_masked(after_hours, person, staff):
    offer, response = request_callback(after_hours, person)
    text = Chat.text(offer["reply"])
    assert "现在是非工作时间" in text and "09:00" in text and "上班" in text
    assert f"预约回电：{after_hours.settings.web.url}/callback?t=" in text
    assert person.sender not in text, "the conversation id travels sealed"
    assert response.status_code == 201, response.text
    assert response.headers["access-control-allow-origin"] == "*"
    booked = response.json()
    assert booked["phone_masked"] == MASKED and booked["window_label"] == offer["windows"][0]["label"]

    web = after_hours.service("web").url
    queue = requests.get(f"{web}/console/api/queue", headers=staff, timeout=30).json()["conversations"]
    item = next(c for c in queue if c.get("kind") == "callback" and c["callback_id"] == booked["id"])
    assert item["phone_masked"] == MASKED and item["scenario"]["id"] == "newborn"
    assert PHONE not in json.dumps(queue) and person.sender not in json.dumps(queue)

    detail = requests.get(f"{web}/console/api/callbacks/{booked['id']}", headers=staff, timeout=30).json()
    assert PHONE not in json.dumps(detail) and "conversation_id" not in detail
    said = [m["text"] for m in detail["messages"] if m["from"] == "citizen"]
    assert said == ["我老婆刚生了孩子，要办些什么手续", "转人工"], "the conversation so far"

    [row] = [r for r in rows(after_hours) if r["id"] == booked["id"]]
    assert PHONE not in json.dumps(row, default=str) and row["phone_masked"] == MASKED
    assert row["phone_sealed"] and row["status"] == "pending"

    revealed = requests.post(
        f"{web}/console/api/callbacks/{booked['id']}/reveal", headers=staff, timeout=30
    ).json()
    assert revealed["phone"] == PHONE
    log = requests.get(f"{web}/console/api/callbacks/{booked['id']}", headers=staff, timeout=30).json()[
        "reveals"
    ]
    assert [e["staff"] for e in log] == ["wang-wu"]

    done = requests.post(f"{web}/console/api/callbacks/{booked['id']}/done", headers=staff, timeout=30)
    assert done.status_code == 200 and done.json()["status"] == "done" and done.json()["done_by"] == "wang-wu"
    [row] = [r for r in rows(after_hours) if r["id"] == booked["id"]]
    assert row["phone_sealed"] is None, "the number is deleted once the call is done"
    queue = requests.get(f"{web}/console/api/queue", headers=staff, timeout=30).json()["conversations"]
    assert not any(c.get("callback_id") == booked["id"] for c in queue)
    assert (
        requests.post(
            f"{web}/console/api/callbacks/{booked['id']}/reveal", headers=staff, timeout=30
        ).status_code
        == 404
    )


def test_asking_again_updates_the_open_request_and_the_form_page_works(after_hours, person):
    offer, first = request_callback(after_hours, person)
    again = requests.post(
        after_hours.service("web").url + "/callback",
        data={"t": offer["token"], "phone": "0731-88665266", "window": offer["windows"][-1]["id"]},
        timeout=30,
    )
    assert again.status_code == 201 and "0731-****5266" in again.text  # the page's own form post
    mine = [r for r in rows(after_hours) if r["id"] == first.json()["id"]]
    assert len(mine) == 1 and mine[0]["phone_masked"] == "0731-****5266"
    page = requests.get(
        after_hours.service("web").url + "/callback", params={"t": offer["token"]}, timeout=30
    )
    assert (
        page.status_code == 200 and 'name="phone"' in page.text and offer["windows"][0]["label"] in page.text
    )


def test_bad_callback_requests_are_refused_and_store_nothing(after_hours, person):
    offer = offer_of(person.say("转人工"))
    url = after_hours.service("web").url + "/callback"
    window = offer["windows"][0]["id"]
    before = rows(after_hours)
    cases = [
        ({"token": offer["token"][:-4] + "AAAA", "phone": PHONE, "window": window}, 410),
        ({"token": "x", "phone": PHONE, "window": window}, 410),
        ({"token": offer["token"], "phone": "12345", "window": window}, 422),
        ({"token": offer["token"], "phone": ["13800138000"], "window": window}, 422),
        ({"token": offer["token"], "phone": PHONE, "window": "2020-01-01T0900-1200"}, 422),
        ({"token": offer["token"], "phone": PHONE}, 422),
        ([], 422),
        ("not an object", 422),
    ]
    for body, status in cases:
        response = requests.post(url, json=body, timeout=30)
        assert response.status_code == status, (body, response.text)
        assert response.json()["error"]["message"]
    assert (
        requests.post(
            url, data=b"{not json", headers={"Content-Type": "application/json"}, timeout=30
        ).status_code
        == 422
    )
    assert (
        requests.post(
            url, data=b"x" * 300_000, headers={"Content-Type": "application/json"}, timeout=30
        ).status_code
        == 413
    )
    form = requests.post(url, data={"t": "forged", "phone": PHONE, "window": window}, timeout=30)
    assert form.status_code == 410 and "预约链接已失效" in form.text
    assert requests.get(url, params={"t": "forged"}, timeout=30).status_code == 410
    assert requests.options(url, timeout=30).headers["access-control-allow-methods"] == "POST, OPTIONS"
    assert rows(after_hours) == before


def test_the_console_callback_routes_need_the_staff_login(after_hours, staff):
    web = after_hours.service("web").url
    for method, path in (
        ("GET", "/console/api/callbacks"),
        ("GET", "/console/api/callbacks/1"),
        ("POST", "/console/api/callbacks/1/reveal"),
        ("POST", "/console/api/callbacks/1/done"),
    ):
        assert requests.request(method, web + path, timeout=30).status_code == 401
    assert requests.get(web + "/console/api/callbacks/0", headers=staff, timeout=30).status_code == 422
    assert requests.get(web + "/console/api/callbacks/999999", headers=staff, timeout=30).status_code == 404
    assert (
        requests.post(web + "/console/api/callbacks/999999/done", headers=staff, timeout=30).status_code
        == 404
    )
