"""Every page is a Jinja2 template that escapes what it is given (pure: no servers).

A registry, a setting or a request can carry text that looks like markup; on every page it
must come out as the same text, never as an element or a broken attribute.
"""

from __future__ import annotations

import copy
from html.parser import HTMLParser
from typing import Any

import jinja2
import pytest

from bot.accounts.roles import ADMIN, User
from bot.accounts.web import admin_context
from bot.callback.hours import parse_hours
from bot.callback.web import _page as callback_page
from bot.notice.page import NoticeMeta, notice_page
from bot.registry.checklist import compute_checklist
from bot.registry.model import to_dict
from bot.render import notice_words
from bot.templating import render
from bot.web.portal import page

HOSTILE = '<script>alert("x")</script> & \'q\' " onmouseover="alert(1)'


class Page(HTMLParser):
    """What a browser would make of a page: its elements, their attributes, its text."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str | None]] = []
        self.text: list[str] = []
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attributes.extend(attrs)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def assert_inert(text: str, expected_scripts: int = 0) -> Page:
    """No script, no event handler came from the data; the hostile text is there as text."""
    parsed = Page(text)
    assert parsed.tags.count("script") == expected_scripts
    assert not [name for name, _ in parsed.attributes if name.startswith("on")]
    assert "<script>alert" not in text
    return parsed


def hostile_words(registry) -> dict[str, Any]:
    """The notice's words for a real scenario whose registry texts have been tampered with."""
    scenario = registry.scenarios["newborn"]
    checklist = compute_checklist(scenario, registry.materials, {})
    checklist = copy.deepcopy(checklist)
    checklist["scenario"]["name"] = HOSTILE
    for item in checklist["items"]:
        item["name"] = HOSTILE
        item["material"] = HOSTILE
    for group in checklist.get("to_submit_by_issuer") or []:
        for item in group["items"]:
            item["name"] = HOSTILE
            item["material"] = HOSTILE
    document = to_dict(scenario) | {
        "area": HOSTILE,
        "lead_department": HOSTILE,
        "process": f"{HOSTILE} -> {HOSTILE}",
        "contact": {"consult_phone": HOSTILE, "online_url": "javascript:alert(1)"},
        "service_points": [{"name": HOSTILE, "address": HOSTILE, "hours": HOSTILE}],
    }
    return notice_words(checklist, document)


def test_hostile_registry_text_on_the_notice_comes_out_as_text(registry):
    meta = NoticeMeta(
        code=HOSTILE,
        header=HOSTILE,
        generated=HOSTILE,
        pdf_url=f"/n/x.pdf?{HOSTILE}",
        plain_url="https://example.org/n/x",
        personal_until=HOSTILE,
    )
    changes = {"changed": True, "lines": [HOSTILE], "issued_version": HOSTILE, "current_version": 2}
    text = notice_page(hostile_words(registry), meta, changes)
    parsed = assert_inert(text, expected_scripts=1)  # the page's own notice.js
    assert ("data-material", HOSTILE) in parsed.attributes, "an attribute keeps the value whole"
    assert ("href", f"/n/x.pdf?{HOSTILE}") in parsed.attributes
    assert ("href", "javascript:alert(1)") not in parsed.attributes, "only http(s) links are links"
    body = "".join(parsed.text)
    assert body.count(HOSTILE) >= 10
    assert "javascript:alert(1)" in body, "shown as text"


def test_the_pdf_notice_inlines_only_our_own_stylesheet_as_markup(registry):
    text = notice_page(hostile_words(registry), NoticeMeta(code="c", header="h", generated="g"), {}, True)
    assert_inert(text)
    assert "<style>" in text and "<svg" in text and "&lt;svg" not in text


def test_hostile_text_on_the_callback_pages_comes_out_as_text():
    hours = parse_hours("mon-fri 09:00-12:00 13:30-17:30", "Asia/Shanghai")
    windows = [{"id": HOSTILE, "label": HOSTILE}]
    form = callback_page(HOSTILE, "form", hours=hours.describe(), token=HOSTILE, windows=windows)
    parsed = assert_inert(form)
    assert ("value", HOSTILE) in parsed.attributes and HOSTILE in "".join(parsed.text)
    for kind, values in (
        ("expired", {"hotline": HOSTILE}),
        ("refused", {"message": HOSTILE, "again": f"/callback?t={HOSTILE}"}),
        ("done", {"message": HOSTILE}),
    ):
        parsed = assert_inert(callback_page("预约回电", kind, **values))
        assert HOSTILE in "".join(parsed.text), kind


def _account_page(**values: object) -> dict[str, object]:
    event = {"when": HOSTILE, "action": HOSTILE, "actor": HOSTILE, "account": HOSTILE, "detail": HOSTILE}
    user = User(HOSTILE, ADMIN, HOSTILE)
    return {"user": user, "role_label": HOSTILE, "events": [event], "actions": {}, **values}


def _users_page() -> dict[str, object]:
    account = {
        "name": HOSTILE,
        "display": HOSTILE,
        "role": ADMIN,
        "active": True,
        "must_change_password": False,
        "development": False,
        "locked_until": None,
        "sessions": 0,
    }
    return {
        **_account_page(message=HOSTILE, error=HOSTILE),
        **admin_context(User(HOSTILE, ADMIN, HOSTILE), "/admin/users"),
        "accounts": [account],
        "roles": [(ADMIN, HOSTILE)],
        "password": HOSTILE,
        "password_for": HOSTILE,
    }


def test_hostile_text_on_the_portal_and_console_pages_comes_out_as_text():
    portal = page("portal.html", rasa_url=HOSTILE, demo_citizens={HOSTILE: HOSTILE})
    parsed = assert_inert(portal, expected_scripts=2)  # portal.js and widget.js
    assert ("data-server-url", HOSTILE) in parsed.attributes and ("value", HOSTILE) in parsed.attributes
    for name, values in (
        ("login.html", {"error": HOSTILE, "account_name": HOSTILE, "next": HOSTILE}),
        ("console.html", {"staff": HOSTILE, "rasa_url": HOSTILE, "user": User(HOSTILE, ADMIN, HOSTILE)}),
        ("report.html", {"staff": HOSTILE}),
        ("forbidden.html", {"message": HOSTILE}),
        ("account.html", _account_page(must_change=True, message=HOSTILE, error=HOSTILE)),
        ("users.html", _users_page()),
    ):
        text = page(name, **values)
        assert "<script>alert" not in text and HOSTILE in "".join(Page(text).text), name


def test_hostile_text_on_the_directorys_error_page_comes_out_as_text():
    text = render("guide_error.html", title=HOSTILE, message=HOSTILE, q=HOSTILE)
    parsed = assert_inert(text)
    assert ("value", HOSTILE) in parsed.attributes


def test_a_value_a_template_needs_but_was_not_given_is_an_error_not_a_blank():
    with pytest.raises(jinja2.UndefinedError):
        page("login.html")
