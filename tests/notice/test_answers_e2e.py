"""Answers people can act on, through the real stack's REST channel: the notice offered with the
checklist, a citation under every answer that states materials, departments or days, and feedback
stored without personal data and shown in the maintainers' report (console API, CSV, CLI)."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys

import requests
import sqlalchemy as sa

from bot.feedback.model import REASONS
from bot.identity import sign_citizen_token
from bot.ops.stack import settings_env
from bot.render import FEEDBACK_QUESTION
from bot.settings import ROOT
from tests.conftest import REGISTRY_TOKEN, Chat
from tests.notice.conftest import checklist_rows, notice_rows

LIFE_EVENT = "我老婆刚生了孩子，要办些什么手续"
NEWBORN_GUIDE = "《新生儿出生一件事》办事指南 https://zwfw-new.hunan.gov.cn/"
CITATION = re.compile(r"^来源：.+ · 材料库 v(\d+)（\d{4}-\d{2}-\d{2}）$")


def current_version(stack) -> int:
    return requests.get(stack.service("registry").url + "/versions", timeout=10).json()["current"]


def to_checklist(person: Chat) -> list[dict]:
    person.say(LIFE_EVENT)
    return person.say("不同民族")


def test_the_checklist_offers_the_notice_and_cites_guide_and_version(stack, chat, registry_checklist):
    answer = to_checklist(chat())
    card = Chat.card(answer)
    version = current_version(stack)
    assert re.fullmatch(re.escape(stack.settings.web.url) + r"/n/[a-z2-7]{10}", card["notice"]["url"])
    assert card["notice"]["pdf"] == card["notice"]["url"] + "/pdf"
    assert card["citation"]["url"].startswith("https://zwfw-new.hunan.gov.cn/")
    assert card["citation"]["version"]["number"] == version
    assert [b["payload"] for b in card["feedback"]] == ["/feedback_helpful", "/feedback_unhelpful"]
    text = Chat.text(answer).split("\n")
    assert f"一次告知单（可打印、存 PDF）：{card['notice']['url']}" in text
    assert FEEDBACK_QUESTION in text
    last = text[-1]
    assert CITATION.match(last) and NEWBORN_GUIDE in last and int(CITATION.match(last)[1]) == version
    # The link opens the same materials with the same statuses as the card.
    page = requests.get(
        card["notice"]["url"].replace(stack.settings.web.url, stack.service("web").url), timeout=30
    ).text
    expected = registry_checklist("newborn", {"parents_ethnicity": "different"})
    assert notice_rows(page) == checklist_rows(expected)


def test_a_signed_in_persons_notice_link_is_the_sealed_personal_one(stack, chat):
    token = sign_citizen_token("demo-citizen-001", stack.settings.secrets.citizen_token_secret)
    card = Chat.card(to_checklist(chat(metadata={"citizen_token": token})))
    assert "?k=" in card["notice"]["url"] and "demo-citizen-001" not in card["notice"]["url"]
    assert card["notice"]["plain_url"] == card["notice"]["url"].split("?")[0]
    assert card["notice"]["personal_hours"] == stack.settings.notice.personal_hours
    page = requests.get(
        card["notice"]["url"].replace(stack.settings.web.url, stack.service("web").url), timeout=30
    ).text
    assert any(status == "reusable" for _, status in notice_rows(page))


def test_follow_up_answers_cite_their_source(stack, chat):
    person = chat()
    to_checklist(person)
    for question, must in (
        ("身份证要交吗", "身份证"),
        ("要多久", "承诺办结时限"),
        ("涉及哪些部门", "牵头部门"),
        ("/ask_where_apply", "网上办"),
    ):
        reply = person.say(question)
        text = Chat.text(reply)
        assert must in text, (question, text)
        last = text.split("\n")[-1]
        assert CITATION.match(last) and NEWBORN_GUIDE in last, (question, last)
        cite = next(m["custom"] for m in reply if (m.get("custom") or {}).get("type") == "citation")
        assert cite["line"] == last and cite["version"]["number"] == current_version(stack)
    # A material asked about before any matter: cited to the catalogue, with the version.
    alone = Chat.text(chat().say("出生医学证明去哪开"))
    assert re.search(r"来源：材料库标准材料目录（汇总自 \d+ 个事项的办事指南） · 材料库 v\d+", alone), alone


def feedback_rows(stack) -> list[dict]:
    engine = sa.create_engine(stack.settings.registry_store_url)
    with engine.connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(sa.text("SELECT * FROM feedback"))]
    engine.dispose()
    return rows


def test_feedback_is_stored_without_personal_data_and_shows_in_the_report(stack, chat, staff):
    person = chat()
    to_checklist(person)
    sorry = person.say("没用")
    assert "哪里不对" in Chat.text(sorry)
    assert Chat.buttons(sorry) == list(REASONS.values())
    wrong = next(b for m in sorry for b in m.get("buttons") or [] if b["title"] == REASONS["wrong_materials"])
    which = person.say(wrong["payload"])
    assert "哪一项" in Chat.text(which)
    pick = next(b for m in which for b in m.get("buttons") or [] if b["title"] == "中华人民共和国结婚证")
    assert "谢谢" in Chat.text(person.say(pick["payload"]))

    helped = chat()
    to_checklist(helped)
    assert "谢谢您的反馈" in Chat.text(helped.say("有用"))

    # A typed reason with a name in it: only the reason's category is kept.
    typed = chat()
    to_checklist(typed)
    typed.say("没用")
    typed.say("清单不全，我叫张三")

    auth = {"Authorization": f"Bearer {REGISTRY_TOKEN}"}
    found = requests.get(
        f"{stack.service('registry').url}/feedback/conversations/{person.sender}", headers=auth, timeout=10
    ).json()
    [row] = found["feedback"]
    version = current_version(stack)
    assert (row["rating"], row["reason"], row["material"], row["scenario"], row["registry_version"]) == (
        "unhelpful",
        "wrong_materials",
        "marriage_certificate",
        "newborn",
        version,
    )
    assert row["channel"] == "rest"
    [typed_row] = requests.get(
        f"{stack.service('registry').url}/feedback/conversations/{typed.sender}", headers=auth, timeout=10
    ).json()["feedback"]
    assert (typed_row["rating"], typed_row["reason"]) == ("unhelpful", "wrong_materials")

    stored = feedback_rows(stack)
    assert set(stored[0]) == {
        "id",
        "at",
        "conversation_ref",
        "scenario",
        "registry_version",
        "rating",
        "reason",
        "material",
        "channel",
    }
    dump = json.dumps(stored, ensure_ascii=False)
    for private in (person.sender, helped.sender, typed.sender, "张三", "清单不全"):
        assert private not in dump, f"{private!r} stored with feedback"

    web = stack.service("web").url
    report = requests.get(f"{web}/console/api/report", params={"days": 1}, headers=staff, timeout=60).json()
    newborn = next(r for r in report["feedback"]["by_scenario"] if r["scenario"] == "newborn")
    assert newborn["unhelpful"] >= 2 and newborn["helpful"] >= 1
    assert {"scenario": "newborn", "material": "marriage_certificate"}.items() <= next(
        r for r in report["feedback"]["unhelpful_by_material"] if r["material"] == "marriage_certificate"
    ).items()
    assert any(r["scenario"] == "newborn" and r["conversations"] >= 3 for r in report["most_asked"])
    assert requests.get(f"{web}/console/api/report", timeout=30).status_code == 401

    download = requests.get(f"{web}/console/api/report.csv", params={"days": 1}, headers=staff, timeout=60)
    assert (
        download.headers["content-type"].startswith("text/csv")
        and "attachment" in download.headers["content-disposition"]
    )
    rows = list(csv.reader(io.StringIO(download.text.lstrip("\ufeff"))))
    assert any(
        r[:4] == ["unhelpful_material", "newborn", "新生儿出生一件事", "marriage_certificate"] for r in rows
    )

    cli = subprocess.run(
        [sys.executable, "-m", "bot", "report", "--days", "1", "--csv", "-"],
        capture_output=True, text=True, timeout=120, cwd=ROOT, env=settings_env(stack.settings) | {"PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    assert cli.returncode == 0, cli.stderr
    assert any(
        r[:4] == ["unhelpful_material", "newborn", "新生儿出生一件事", "marriage_certificate"]
        for r in csv.reader(io.StringIO(cli.stdout.lstrip("\ufeff")))
    )


def test_the_report_lists_questions_the_bot_could_not_place_and_handoffs(stack, chat, staff):
    lost = chat()
    lost.say("下期彩票号码是多少")
    handed = chat()
    to_checklist(handed)
    handed.say("转人工")
    report = requests.get(
        f"{stack.service('web').url}/console/api/report", params={"days": 1}, headers=staff, timeout=60
    ).json()
    assert any(r["text"] == "下期彩票号码是多少" and r["kind"] == "not_ours" for r in report["not_placed"])
    assert any(r["scenario"] == "newborn" and r["requested"] >= 1 for r in report["handoffs"])


def test_bad_feedback_is_refused_and_stores_nothing(stack):
    api, auth = stack.service("registry").url, {"Authorization": f"Bearer {REGISTRY_TOKEN}"}
    before = len(feedback_rows(stack))
    for body in (
        {"conversation_id": "x1", "rating": "great"},
        {"conversation_id": "x1", "rating": "helpful", "scenario": "no_such_matter"},
        {"conversation_id": "x1", "rating": "helpful", "material": "no_such_material"},
        {"conversation_id": "x1", "rating": "unhelpful", "reason": "I hate forms"},
        {"conversation_id": "x1", "rating": "helpful", "text": "free text is not a field"},
        {"conversation_id": "../x", "rating": "helpful"},
        {"conversation_id": "x1", "rating": "helpful", "registry_version": "1"},
        [],
    ):
        response = requests.put(f"{api}/feedback", json=body, headers=auth, timeout=10)
        assert 400 <= response.status_code < 500, (body, response.status_code)
    assert (
        requests.put(
            f"{api}/feedback", json={"conversation_id": "x1", "rating": "helpful"}, timeout=10
        ).status_code
        == 401
    )
    assert len(feedback_rows(stack)) == before
