"""The one-time notice as people get it: the page at its stable link, its PDF, its SMS, for real scenarios.

Against the whole running stack: the console issues a notice (the registry records its
code), the web server serves it, and every check compares with the registry's own
checklist for the same answers, never with a copy.
"""

from __future__ import annotations

import html
import re
import subprocess

import pytest
import requests

from bot.notice.links import notice_links
from bot.render import STATUS_LABELS
from tests.notice.conftest import checklist_rows, notice_rows

CASES = [
    ("newborn", {"parents_ethnicity": "different"}),
    ("newborn", {"parents_ethnicity": "same"}),
    ("housing_fund_loan", {"co_borrower": "yes", "guarantor": "no", "marital_status": "married"}),
    ("foreigner_visit", {}),
    ("retirement", {"channel": "window"}),
    ("enterprise_deregistration", {}),
    ("new_home_purchase", {}),
]


@pytest.mark.parametrize(("scenario", "answers"), CASES)
def test_the_notice_lists_the_checklists_materials_with_their_statuses(
    stack, issue, registry_checklist, scenario, answers
):
    notice = issue(scenario, answers)
    assert re.fullmatch(r"[a-z2-7]{10}", notice["code"])
    assert notice["links"]["url"] == f"{stack.settings.web.url}/n/{notice['code']}"
    page = requests.get(f"{stack.service('web').url}/n/{notice['code']}", timeout=30)
    assert page.status_code == 200
    assert page.headers["content-security-policy"].startswith("default-src 'self'")
    text = page.text
    checklist = registry_checklist(scenario, answers)
    assert notice_rows(text) == checklist_rows(checklist)
    for item in checklist["items"]:
        assert html.escape(item["name"]) in text
    assert html.escape(checklist["scenario"]["name"]) in text
    assert f"v{checklist['registry_version']['number']}（{checklist['registry_version']['date']}）" in text
    official = checklist["source"]["official_url"]
    assert f'href="{html.escape(official)}"' in text, "the guide's official URL is cited"
    for word in ("您的情况", "材料清单", "办理部门与时限", "如何办理", "牵头部门", "承诺办结时限"):
        assert word in text
    if checklist["materials_incomplete"]:
        assert "注意：" in text and html.escape(checklist["materials_incomplete"]) in text
    for question in checklist["unanswered"]:
        assert html.escape(question["text"]) in text and "未回答" in text


def test_the_stable_link_has_no_personal_data_and_the_personal_one_is_sealed_and_expires(
    stack, issue, registry_checklist
):
    notice = issue("newborn", {"parents_ethnicity": "same"})
    assert set(notice["links"]["url"].split("/n/")[1]) <= set("abcdefghijklmnopqrstuvwxyz234567")
    # A signed-in citizen's variant: sealed token, showing their reusable materials.
    personal = notice_links(stack.settings, notice["code"], "demo-citizen-001")
    assert "demo-citizen-001" not in personal["url"]
    page = requests.get(
        personal["url"].replace(stack.settings.web.url, stack.service("web").url), timeout=30
    ).text
    mine = registry_checklist("newborn", {"parents_ethnicity": "same"}, "demo-citizen-001")
    assert notice_rows(page) == checklist_rows(mine)
    assert any(status == "reusable" for _, status in notice_rows(page))
    assert "本页含您个人材料库的信息" in page and "链接于" in page
    # Tampered, or for another notice: the plain notice, saying the personal link did not open.
    other = issue("retirement", {"channel": "online"})["code"]
    for url in (
        personal["url"][:-3] + "AAA",
        personal["url"].replace(notice["code"], other),
    ):
        fallback = requests.get(
            url.replace(stack.settings.web.url, stack.service("web").url), timeout=30
        ).text
        assert "个人链接已失效或无效" in fallback
        assert not any(status == "reusable" for _, status in notice_rows(fallback))


def pdf_text(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "notice.pdf"
    path.write_bytes(pdf)
    done = subprocess.run(["pdftotext", "-raw", str(path), "-"], capture_output=True, text=True, check=True)
    return re.sub(r"\s+", "", done.stdout)


@pytest.mark.parametrize(("scenario", "answers"), [CASES[0], CASES[2]])
def test_the_pdf_renders_with_every_material_its_number_and_status(
    stack, issue, registry_checklist, tmp_path, scenario, answers
):
    notice = issue(scenario, answers)
    response = requests.get(f"{stack.service('web').url}/n/{notice['code']}/pdf", timeout=120)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    assert re.search(rb"/MediaBox\s*\[0 0 59[45]\.\d+ 841\.\d+\]", response.content), "A4"
    text = pdf_text(response.content, tmp_path)
    checklist = registry_checklist(scenario, answers)
    assert "一次告知单" in text and checklist["scenario"]["name"] in text
    assert notice["code"] in text and f"v{checklist['registry_version']['number']}" in text
    # Rows in the notice's order: number, name, status, as the page lists them.
    page = requests.get(f"{stack.service('web').url}/n/{notice['code']}", timeout=30).text
    order = re.findall(
        r'data-material="([^"]+)" data-status="([^"]+)"><td class="n">(\d+)</td><td class="name">([^<]+)</td>',
        page,
    )
    assert len(order) == len(checklist["items"])
    for _material, status, number, name in order:
        row = f"{number}{html.unescape(name)}{STATUS_LABELS[status]}".replace(" ", "")
        assert row in text, f"PDF lacks the row {row}"
    assert "打印告知单" not in text, "the print stylesheet hides the page's buttons"


def test_the_sms_version_is_segmented_under_the_limit_and_complete(stack, issue, registry_checklist):
    notice = issue("newborn", {"parents_ethnicity": "different"})
    limit = stack.settings.notice.sms_segment_chars
    assert notice["sms_limit"] == limit == 70
    segments = notice["sms"]
    assert len(segments) >= 2
    for k, segment in enumerate(segments, 1):
        assert len(segment) <= limit
        assert segment.startswith(f"【新生儿出生一件事 {k}/{len(segments)}】")
    joined = "".join(segments)
    checklist = registry_checklist("newborn", {"parents_ethnicity": "different"})
    for item in checklist["items"]:
        if item["status"] == "to_submit":
            assert item["name"] in joined
    assert segments[-1].endswith(notice["links"]["plain_url"])


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/n/aaaaaaaaaa", 404),
        ("/n/AAAAAAAAAA", 422),
        ("/n/short", 422),
        ("/n/aaaaaaaaaa/pdf", 404),
        ("/n/x%00y", 422),
    ],
)
def test_unknown_or_malformed_notice_links_are_refused(stack, path, status):
    response = requests.get(stack.service("web").url + path, timeout=30)
    assert response.status_code == status
    assert "error" in response.json()


@pytest.mark.parametrize(
    "body",
    [
        {"scenario": "newborn", "answers": {"parents_ethnicity": "perhaps"}},
        {"scenario": "no_such_matter"},
        {"scenario": "newborn", "answers": []},
        {"scenario": "newborn", "extra": True},
        {"scenario": 42},
        [],
    ],
)
def test_the_console_refuses_a_bad_notice_request(stack, staff, body):
    response = requests.post(
        stack.service("web").url + "/console/api/notice", json=body, headers=staff, timeout=30
    )
    assert 400 <= response.status_code < 500, response.text
    assert (
        requests.post(
            stack.service("web").url + "/console/api/notice", json={"scenario": "newborn"}, timeout=30
        ).status_code
        == 401
    )
