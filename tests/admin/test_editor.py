"""The registry editor's rules, on a private copy of the registry and a real SQLite drafts store:
a change needs a source, is reviewed by someone else, and publishing writes the files (only what
changed) with a changelog entry the registry's reloader turns into the version's note."""

from __future__ import annotations

import copy
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from bot.admin import hooks, on_publish, published_touches_model
from bot.admin.changes import ChangeError, parse_change
from bot.admin.plain_words import standing
from bot.jsonapi import ApiError
from bot.registry import changelog
from bot.registry.files import read_yaml
from bot.registry.model import Scenario
from bot.registry.reload import Reloader
from bot.registry.store import Store
from bot.registry.versions import Versions
from tests.admin.conftest import ALICE, BOB, CAROL, MARRIAGE_EXEMPT, SOURCE, files_of


def guide_file(directory: Path, guide_id: str, kind: str = "scenario") -> Scenario:
    """A guide as its file says now (cheaper than loading the whole registry copy again)."""
    folder = "scenarios" if kind == "scenario" else "matters"
    return Scenario.from_dict({"kind": kind, **read_yaml(directory / folder / f"{guide_id}.yml")})


def refused(call, status: int, code: str) -> str:
    with pytest.raises(ApiError) as caught:
        call()
    assert (caught.value.status, caught.value.code) == (status, code), caught.value.message
    return caught.value.message


def test_a_change_without_a_source_or_that_breaks_the_registry_is_refused_and_nothing_changes(
    registry_copy, make_editor
):
    editor = make_editor(registry_copy)
    before = files_of(registry_copy)
    for source in (None, "", "   ", "无"):
        assert "依据" in refused(
            lambda s=source: editor.propose(ALICE, MARRIAGE_EXEMPT, s), 422, "source_required"
        )
    bad = copy.deepcopy(MARRIAGE_EXEMPT)
    bad["ops"][0]["exemption"]["kind"] = "by_magic"
    assert "免提交方式" in refused(lambda: editor.propose(ALICE, bad, SOURCE), 422, "invalid_change")
    unknown = copy.deepcopy(MARRIAGE_EXEMPT)
    unknown["ops"][0]["seed_name"] = "不存在的材料"
    assert "没有材料「不存在的材料」" in refused(
        lambda: editor.propose(ALICE, unknown, SOURCE), 422, "invalid_change"
    )
    one_option = {
        "target": {"kind": "scenario", "id": "newborn"},
        "ops": [
            {
                "op": "questions",
                "questions": [{"id": "q", "text": "?", "options": [{"id": "a", "label": "是"}]}],
            }
        ],
    }
    refused(lambda: editor.propose(ALICE, one_option, SOURCE), 422, "invalid_change")
    # The newborn's ethnicity application depends on the question it would lose.
    no_questions = {
        "target": {"kind": "scenario", "id": "newborn"},
        "ops": [{"op": "questions", "questions": []}],
    }
    assert "parents_ethnicity" in refused(
        lambda: editor.propose(ALICE, no_questions, SOURCE), 422, "invalid_change"
    )
    merge_self = {
        "target": {"kind": "material", "id": "id_card"},
        "ops": [{"op": "merge", "source": "id_card"}],
    }
    refused(lambda: editor.propose(ALICE, merge_self, SOURCE), 422, "invalid_change")
    wrong_kind = {"target": {"kind": "material", "id": "id_card"}, "ops": MARRIAGE_EXEMPT["ops"]}
    refused(lambda: editor.propose(ALICE, wrong_kind, SOURCE), 422, "invalid_change")
    assert editor.drafts.find() == []
    assert files_of(registry_copy) == before


def test_review_by_someone_else_publishes_exactly_the_change_with_its_source(registry_copy, make_editor):
    editor = make_editor(registry_copy)
    before = files_of(registry_copy)
    draft = editor.propose(ALICE, MARRIAGE_EXEMPT, SOURCE)
    assert draft["status"] == "draft" and draft["author"] == "alice" and draft["source"] == SOURCE
    assert (
        draft["lines"][0]
        == "新生儿出生一件事 · 中华人民共和国结婚证：需提交 → 免提交（电子证照核验，民政部门）"
    )
    assert files_of(registry_copy) == before, "a draft changes no file"

    assert "不能审核自己" in refused(lambda: editor.approve(ALICE, draft["id"]), 403, "own_draft")
    assert "不能审核自己" in refused(lambda: editor.reject(ALICE, draft["id"], "不行"), 403, "own_draft")
    seen: list[dict] = []
    on_publish.append(seen.append)
    try:
        published = editor.approve(BOB, draft["id"])
    finally:
        on_publish.remove(seen.append)
    assert published["status"] == "published" and published["reviewer"] == "bob"
    assert [r["id"] for r in seen] == [draft["id"]] and seen[0]["touches_model"] is False
    refused(lambda: editor.approve(CAROL, draft["id"]), 409, "not_pending")

    after = files_of(registry_copy)
    assert {p for p in after if after[p] != before.get(p)} == {"scenarios/newborn.yml", "changelog.yml"}
    guide = guide_file(registry_copy, "newborn")
    [req] = [r for r in guide.requirements if r.material == "marriage_certificate"]
    assert (req.issuer, req.exemption.kind, req.exemption.text) == (
        "民政部门",
        "e_licence_verification",
        "婚姻登记电子证照共享核验",
    )
    [entry] = changelog.entries(registry_copy)
    assert (entry["author"], entry["reviewer"], entry["source"]) == ("alice", "bob", SOURCE)
    actions = [(e["account"], e["action"]) for e in reversed(editor.drafts.log(draft["id"]))]
    assert actions == [("alice", "draft"), ("bob", "approve"), ("bob", "publish")]


def test_the_reloader_records_the_published_source_as_the_version_note(registry_copy, make_editor, tmp_path):
    store = Store.open(f"sqlite:///{tmp_path / 'registry.sqlite3'}")
    editor = make_editor(registry_copy)
    registry = editor.registry()
    store.sync(registry)
    reloader = Reloader(registry_copy, store, registry.digest, with_demo=True)
    editor.approve(BOB, editor.propose(ALICE, MARRIAGE_EXEMPT, SOURCE)["id"])
    assert reloader.check()
    latest = Versions(store.engine).current()
    assert latest["number"] == 2 and latest["note"] == f"依据：{SOURCE}（alice编辑，bob审核）"
    assert "中华人民共和国结婚证" in latest["summary"]
    # A later hand edit is a version of its own, without the editor's note.
    path = registry_copy / "scenarios" / "newborn.yml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("promised_days: 5\n", "promised_days: 4\n"), encoding="utf-8"
    )
    assert reloader.check()
    assert Versions(store.engine).current()["note"] is None


def test_a_rejection_carries_its_comment_and_a_stale_draft_is_refused_at_publish(registry_copy, make_editor):
    editor = make_editor(registry_copy)
    first = editor.propose(ALICE, MARRIAGE_EXEMPT, SOURCE)
    refused(lambda: editor.reject(BOB, first["id"], " "), 422, "comment_required")
    rejected = editor.reject(BOB, first["id"], "请附上通知原文的网址")
    assert rejected["status"] == "rejected" and rejected["review_comment"] == "请附上通知原文的网址"
    refused(lambda: editor.approve(CAROL, first["id"]), 409, "not_pending")

    # Two drafts of the same change: the second no longer changes anything once the first is out.
    one, two = (editor.propose(ALICE, MARRIAGE_EXEMPT, SOURCE) for _ in range(2))
    editor.approve(BOB, one["id"])
    before = files_of(registry_copy)
    assert "已是这项修改后的样子" in refused(lambda: editor.approve(CAROL, two["id"]), 409, "conflict")
    assert editor.draft(two["id"])["status"] == "draft", "a failed publish leaves the draft pending"
    assert files_of(registry_copy) == before
    refused(lambda: editor.propose(ALICE, MARRIAGE_EXEMPT, SOURCE), 422, "no_change")


def test_names_questions_and_merges_change_only_what_they_say(registry_copy, make_editor):
    editor = make_editor(registry_copy)
    names = {
        "target": {"kind": "scenario", "id": "newborn"},
        "ops": [{"op": "names", "name": "新生儿出生一件事", "aliases": ["生孩子", "宝宝落户"]}],
    }
    draft = editor.propose(ALICE, names, SOURCE)
    assert draft["lines"] == [
        "新生儿出生一件事 · 别名：新增 宝宝落户；删除 宝宝出生、出生一件事、新生儿出生、办出生证"
    ]
    assert published_touches_model(draft["change"]) and published_touches_model(draft)
    assert not published_touches_model(MARRIAGE_EXEMPT)
    editor.approve(BOB, draft["id"])
    assert guide_file(registry_copy, "newborn").aliases == ("生孩子", "宝宝落户")

    registry = editor.registry()
    users = sorted(
        g.id
        for g in registry.guides().values()
        if any(r.material == "household_register" for r in g.requirements)
    )
    merge = {
        "target": {"kind": "material", "id": "id_card"},
        "ops": [{"op": "merge", "source": "household_register"}],
    }
    draft = editor.propose(ALICE, merge, SOURCE)
    assert "删除标准材料「居民户口簿」（household_register），并入其他材料" in draft["lines"]
    editor.approve(BOB, draft["id"])
    materials = {m["id"]: m for m in read_yaml(registry_copy / "materials.yml")["materials"]}
    assert "household_register" not in materials and "居民户口簿" in materials["id_card"]["aliases"]
    for gid in users:
        kind = registry.guides()[gid].kind
        assert not any(
            r.material == "household_register" for r in guide_file(registry_copy, gid, kind).requirements
        )
    demo = (registry_copy / "demo_citizens.yml").read_text(encoding="utf-8")
    assert "household_register" not in demo and "{material: id_card, submitted_at: '2025-03-10'" in demo


def test_change_json_is_checked_field_by_field():
    with pytest.raises(ChangeError, match="ops.0.necessity"):
        parse_change(
            {
                "target": {"kind": "scenario", "id": "x"},
                "ops": [
                    {
                        "op": "requirement",
                        "material": "m",
                        "seed_name": "s",
                        "necessity": "maybe",
                        "fields": ["necessity"],
                    }
                ],
            }
        )
    with pytest.raises(ChangeError, match="op 必须是"):
        parse_change({"target": {"kind": "scenario", "id": "x"}, "ops": [{"op": "delete_everything"}]})
    with pytest.raises(ChangeError, match="target.id"):
        parse_change(
            {"target": {"kind": "scenario", "id": "../etc"}, "ops": [{"op": "merge", "source": "a"}]}
        )
    with pytest.raises(ChangeError, match="ops"):
        parse_change({"target": {"kind": "scenario", "id": "x"}, "ops": []})


def test_standing_says_it_the_way_the_checklist_does():
    assert standing({"necessity": "required"}) == "需提交"
    assert (
        standing({"necessity": "conditional", "condition": "父母不同民族时"})
        == "视情形提交（父母不同民族时）"
    )
    exempt = {"necessity": "required", "issuer": "公安机关", "exemption": {"kind": "e_licence_verification"}}
    assert standing(exempt) == "免提交（电子证照核验，公安机关）"
    assert standing({"necessity": "required", "exemption": {"kind": "personal_centre_reuse"}}) == "只提交一次"


def test_a_failing_subscriber_does_not_undo_a_publish(caplog):
    def broken(_record: dict) -> None:
        raise RuntimeError("retrain unavailable")

    on_publish.append(broken)
    try:
        hooks.run_publish_hooks({"id": 7})
    finally:
        on_publish.remove(broken)
    assert "on_publish hook" in caplog.text


def test_the_drafts_store_migrates_up_and_down(tmp_path: Path):
    code = (
        "import sqlalchemy as sa; from bot import migrate; from bot.admin.drafts import Drafts;"
        f"d = Drafts('sqlite:///{tmp_path}/c.sqlite3'); print(migrate.current(d.engine.connect(), 'bot.admin.migrations'));"
        "migrate.downgrade(d.engine, 'bot.admin.migrations', 'base');"
        "print(sorted(sa.inspect(d.engine).get_table_names()))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split("\n")
    assert out[0] == "0001" and "registry_drafts" not in out[1]
    assert yaml.safe_load(out[1].replace("'", '"')) == ["alembic_version_admin"]
