"""A publish the web server did not finish (killed between a reviewer's approval and the record
that the files were written) is finished when the server starts again, exactly once: the crash is
simulated at each point on a private registry copy and a real drafts store, and a fresh editor
(the restarted server) recovers."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.admin import on_publish
from bot.admin.drafts import Drafts
from bot.admin.editor import SYSTEM, Editor
from bot.admin.web import admin_router
from bot.registry import changelog
from bot.settings import load_settings
from tests.admin.conftest import ALICE, BOB, CAROL, MARRIAGE_EXEMPT, SOURCE, files_of
from tests.admin.test_editor import guide_file


class ServerDied(BaseException):
    """The process ends here: nothing after this line of the publish runs (not an Exception, so no
    handler of the editor's catches it)."""


@pytest.fixture
def published_hooks() -> list[dict]:
    seen: list[dict] = []
    on_publish.append(seen.append)
    yield seen
    on_publish.remove(seen.append)


def marriage_exempt(directory: Path) -> bool:
    [req] = [r for r in guide_file(directory, "newborn").requirements if r.material == "marriage_certificate"]
    return req.exemption is not None and req.exemption.kind == "e_licence_verification"


def restarted(editor: Editor) -> Editor:
    """The editor as a server started afresh has it: the same files and database, nothing in memory."""
    return Editor(editor.directory, Drafts(str(editor.drafts.engine.url)))


def test_approved_but_never_written_is_published_at_restart_once(registry_copy, make_editor, published_hooks):
    editor = make_editor(registry_copy)
    draft_id = editor.propose(ALICE, MARRIAGE_EXEMPT, SOURCE)["id"]
    before = files_of(registry_copy)
    assert editor.drafts.claim(draft_id, BOB.name)  # approved; the server died before writing
    assert editor.draft(draft_id)["status"] == "approved" and files_of(registry_copy) == before

    again = restarted(editor)
    assert again.finish_interrupted() == [f"草稿 {draft_id}（新生儿出生一件事）：中断的发布已完成"]
    found = again.draft(draft_id)
    assert found["status"] == "published" and found["reviewer"] == "bob"
    assert marriage_exempt(registry_copy)
    [entry] = changelog.entries(registry_copy)
    assert (entry["id"], entry["author"], entry["reviewer"], entry["source"]) == (
        f"draft-{draft_id}",
        "alice",
        "bob",
        SOURCE,
    )
    assert [r["id"] for r in published_hooks] == [draft_id]
    actions = [(e["account"], e["action"]) for e in reversed(again.drafts.log(draft_id))]
    assert actions == [("alice", "draft"), ("bob", "approve"), (SYSTEM, "publish")]
    assert again.finish_interrupted() == [] and len(changelog.entries(registry_copy)) == 1


def test_written_but_not_recorded_is_recorded_without_writing_twice(
    registry_copy, make_editor, published_hooks, monkeypatch
):
    editor = make_editor(registry_copy)
    draft_id = editor.propose(ALICE, MARRIAGE_EXEMPT, SOURCE)["id"]

    def die(*_args: object, **_kwargs: object) -> bool:
        raise ServerDied

    monkeypatch.setattr(editor.drafts, "published", die)
    with pytest.raises(ServerDied):
        editor.approve(BOB, draft_id)
    written = files_of(registry_copy)
    assert marriage_exempt(registry_copy) and editor.draft(draft_id)["status"] == "approved"

    again = restarted(editor)
    assert len(again.finish_interrupted()) == 1
    assert again.draft(draft_id)["status"] == "published"
    assert files_of(registry_copy) == written, "the files and the changelog are not written again"
    assert [e["id"] for e in changelog.entries(registry_copy)] == [f"draft-{draft_id}"]
    assert again.draft(draft_id)["lines"] == changelog.entries(registry_copy)[0]["lines"]
    assert [r["id"] for r in published_hooks] == [draft_id]


def test_a_stuck_draft_that_no_longer_applies_goes_back_to_review_with_the_reason(registry_copy, make_editor):
    editor = make_editor(registry_copy)
    stuck = editor.propose(ALICE, MARRIAGE_EXEMPT, SOURCE)["id"]
    twin = editor.propose(ALICE, MARRIAGE_EXEMPT, SOURCE + "（重提）")["id"]
    assert editor.drafts.claim(stuck, BOB.name)  # the server died here
    editor.approve(CAROL, twin)  # the same change reached the files another way meanwhile
    written = files_of(registry_copy)

    again = restarted(editor)
    [report] = again.finish_interrupted()
    assert report.startswith(f"草稿 {stuck}") and report.endswith("已退回待审核")
    back = again.draft(stuck)
    assert back["status"] == "draft" and back["reviewer"] is None  # in the review queue again
    [failed] = [e for e in again.drafts.log(stuck) if e["action"] == "failed"]
    assert failed["account"] == SYSTEM and "已是这项修改后的样子" in failed["detail"]
    assert files_of(registry_copy) == written


def test_the_web_server_finishes_them_when_it_starts(registry_copy, tmp_path, published_hooks):
    drafts = Drafts(f"sqlite:///{tmp_path / 'console.sqlite3'}")
    editor = Editor(registry_copy, drafts)
    draft_id = editor.propose(ALICE, MARRIAGE_EXEMPT, SOURCE)["id"]
    assert drafts.claim(draft_id, BOB.name)
    settings = load_settings(var_dir=str(tmp_path / "var"), registry_dir=str(registry_copy))
    router = admin_router(settings, drafts)

    async def start() -> None:
        await router.startup()
        await asyncio.gather(*(t for t in asyncio.all_tasks() if t is not asyncio.current_task()))

    asyncio.run(start())
    assert drafts.get(draft_id)["status"] == "published" and marriage_exempt(registry_copy)
    assert [r["id"] for r in published_hooks] == [draft_id]
