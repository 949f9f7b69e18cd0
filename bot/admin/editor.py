"""The registry editor's work: find an entry, draft a change with its source, review it, publish it.

Publishing is the only way an edit reaches citizens: the approving reviewer (never the
author) has the change applied to the files as they are now, checked by the registry's own
rules, and written together with its ``changelog.yml`` entry; the registry service's reloader
then loads the files as a new version whose note is the change's source
(bot/registry/reload.py). Refusals are :class:`~bot.jsonapi.ApiError` with the reason in
plain words, and nothing is written when one is raised.
"""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from bot.accounts.roles import User
from bot.admin.changes import GUIDE_KINDS, KIND_WORDS, Change, ChangeError, Workspace, parse_change
from bot.admin.documents import TEXT, Document, write_documents
from bot.admin.drafts import APPROVED, DRAFT, PUBLISHED, Drafts
from bot.admin.hooks import published_touches_model, run_publish_hooks
from bot.admin.plain_words import describe, standing
from bot.jsonapi import ApiError
from bot.registry import changelog
from bot.registry.files import Registry, content_digest, load_registry
from bot.registry.model import Scenario
from bot.settings import Settings, get_settings

SOURCE_MIN, SOURCE_MAX = 4, 500
NO_SOURCE = "每项修改都要注明依据：政策文件的网址或文号，或部门的通知（至少 4 个字）"
KIND_LABELS = KIND_WORDS  # how pages and messages name each kind of entry
SYSTEM = "系统"  # the drafts log's account for what the server does by itself
RESUMED = "服务重启后完成中断的发布："


def create_draft(change: dict[str, Any], source: str, author: str, settings: Settings | None = None) -> int:
    """A draft of ``change`` (one change, or ``{"changes": [...]}``) citing ``source`` by account
    ``author``, for other parts that make changes (an import of a region's data): it waits for a
    reviewer like any other draft. Raises ApiError (422) with the reason when it cannot be one."""
    settings = settings or get_settings()
    editor = Editor(settings.registry.dir, Drafts(settings.console_store_url))
    return int(editor.propose(author, change, source)["id"])


def clean_source(source: Any) -> str:
    """The cited source, or a 422: a change without one is refused."""
    text = source.strip() if isinstance(source, str) else ""
    if len(text) < SOURCE_MIN:
        raise ApiError(422, "source_required", NO_SOURCE)
    if len(text) > SOURCE_MAX:
        raise ApiError(422, "source_too_long", f"依据最多 {SOURCE_MAX} 个字")
    return text


class Editor:
    def __init__(self, directory: Path, drafts: Drafts) -> None:
        self.directory, self.drafts = directory, drafts
        self._lock = threading.Lock()  # one preview or publish reads and writes the files at a time
        self._registry: Registry | None = None
        self._applied: Registry | None = None  # the registry as the last change applied leaves it

    def registry(self) -> Registry:
        """The registry as the files are now (loaded again only when they changed)."""
        if self._registry is None or self._registry.digest != content_digest(self.directory):
            self._registry = load_registry(self.directory)
        return self._registry

    # -- finding what to edit ----------------------------------------------------------------

    def search(self, query: str, limit: int = 60) -> list[dict[str, Any]]:
        """Scenarios, matters, catalogue materials and catalogue entries whose id, name or alias has
        ``query`` (every scenario when it is empty)."""
        registry, q = self.registry(), query.strip().lower()
        found: list[dict[str, Any]] = []

        def hit(kind: str, rid: str, name: str, aliases: tuple[str, ...]) -> None:
            if len(found) < limit and (not q or any(q in t.lower() for t in (rid, name, *aliases))):
                found.append({"kind": kind, "kind_label": KIND_LABELS[kind], "id": rid, "name": name})

        for s in registry.scenarios.values():
            hit("scenario", s.id, s.name, s.aliases)
        if not q:
            return found
        for m in registry.matters.values():
            hit("matter", m.id, m.name, m.aliases)
        for mat in registry.materials.values():
            hit("material", mat.id, mat.name, mat.aliases)
        for e in registry.catalogue.values():
            if e.matter is None:  # a matter with a material list is found as the matter itself
                hit("catalogue", e.service_id, e.name, e.aliases)
        return found

    def entry(self, kind: str, rid: str) -> dict[str, Any]:
        """One entry as the editor's page shows it, or 404."""
        registry = self.registry()
        if kind in GUIDE_KINDS:
            guide = (registry.scenarios if kind == "scenario" else registry.matters).get(rid)
            if guide is None:
                raise ApiError(404, "not_found", f"没有这个{KIND_LABELS[kind]}：{rid}")
            return _guide_entry(guide, registry)
        if kind == "material":
            material = registry.materials.get(rid)
            if material is None:
                raise ApiError(404, "not_found", f"标准材料目录中没有：{rid}")
            used = sorted(
                {g.name for g in registry.guides().values() for r in g.requirements if r.material == rid}
            )
            return {
                "kind": kind,
                "id": rid,
                "source": None,
                "name": material.name,
                "aliases": list(material.aliases),
                "issuer": material.issuer,
                "standard_code": material.standard_code,
                "used_by": used,
            }
        if kind == "catalogue":
            item = registry.catalogue.get(rid)
            if item is None:
                raise ApiError(404, "not_found", f"事项目录中没有：{rid}")
            return {
                "kind": kind,
                "id": rid,
                "name": item.name,
                "aliases": list(item.aliases),
                "source": item.official_url or item.source.official_url,
            }
        raise ApiError(404, "not_found", f"没有这类条目：{kind}")

    # -- drafts ------------------------------------------------------------------------------

    def _apply(self, changes: list[Change]) -> tuple[list[Document], list[str], str]:
        """(documents to write, plain-words lines, what the draft is called) for the files as they are now."""
        workspace = Workspace(self.directory, self.registry())
        documents = workspace.apply(changes)
        self._applied = workspace.result
        name = str(workspace.record(changes[0].target).get("name"))
        return (
            documents,
            describe(workspace.before, documents),
            name + (f" 等 {len(changes)} 项" if len(changes) > 1 else ""),
        )

    def propose(self, user: User | str, raw_change: Any, source: Any) -> dict[str, Any]:
        """A new draft of ``raw_change`` (one change, or ``{"changes": [...]}`` reviewed as one) citing
        ``source``, by ``user`` (an account or its name); 422 with the reason if it cannot be one."""
        author = user if isinstance(user, str) else user.name
        cited = clean_source(source)
        try:
            changes = parse_change(raw_change)
            with self._lock:
                documents, lines, name = self._apply(changes)
        except ChangeError as exc:
            raise ApiError(422, "invalid_change", str(exc)) from exc
        if not documents:
            raise ApiError(422, "no_change", "这项修改与材料库现有内容相同，无需提交")
        stored = changes[0].dict() if len(changes) == 1 else {"changes": [c.dict() for c in changes]}
        target = changes[0].target
        draft_id = self.drafts.create(author, stored, (target.kind, target.id), name, cited, lines)
        return self.draft(draft_id)

    def draft(self, draft_id: int) -> dict[str, Any]:
        found = self.drafts.get(draft_id)
        if found is None:
            raise ApiError(404, "not_found", f"没有草稿 {draft_id}")
        return found

    def reject(self, user: User, draft_id: int, comment: Any) -> dict[str, Any]:
        text = comment.strip() if isinstance(comment, str) else ""
        if not 2 <= len(text) <= 1000:
            raise ApiError(422, "comment_required", "退回时请写明原因（2 到 1000 个字），作者会看到")
        self._pending_for(user, draft_id)
        if not self.drafts.reject(draft_id, user.name, text):
            raise ApiError(409, "not_pending", "这份草稿已被他人处理")
        return self.draft(draft_id)

    def _pending_for(self, user: User, draft_id: int) -> dict[str, Any]:
        found = self.draft(draft_id)
        if found["author"] == user.name:
            raise ApiError(403, "own_draft", "不能审核自己提交的修改：请另一位审核人审核")
        if found["status"] != DRAFT:
            raise ApiError(409, "not_pending", f"这份草稿{found['status_label']}，不能再审核")
        return found

    def approve(self, user: User, draft_id: int) -> dict[str, Any]:
        """Approve and publish: write the files and the changelog entry; 409 if the change no longer
        applies to the files as they are (the draft stays pending, nothing written), 503 if the
        files cannot be written (pending again too)."""
        self._pending_for(user, draft_id)
        if not self.drafts.claim(draft_id, user.name):
            raise ApiError(409, "not_pending", "这份草稿已被他人处理")
        return self._finish(self.draft(draft_id), user.name)

    def finish_interrupted(self) -> list[str]:
        """Publish every draft left ``approved``: its reviewer approved it, and the web server
        stopped before the publish was recorded (a crash, a kill, a power cut). Called when the
        server starts. Each is finished exactly as its approval would have (checked against the
        files as they are now, by the same reviewer); one whose files were written already is
        only recorded, and one that no longer applies goes back to the review queue with the
        reason. What happened to each, in words for the server's log."""
        done = []
        for found in self.drafts.find(status=APPROVED, limit=1000):
            try:
                self._finish(found, SYSTEM, RESUMED)
                done.append(f"草稿 {found['id']}（{found['target_name']}）：中断的发布已完成")
            except ApiError as exc:
                done.append(f"草稿 {found['id']}（{found['target_name']}）：{exc.message}，已退回待审核")
        return done

    def _finish(self, found: dict[str, Any], account: str, note: str = "") -> dict[str, Any]:
        """Publish the approved draft ``found``, logged as ``account``'s act; 409 ``conflict`` (the draft
        pending again) when it no longer applies, 503 (likewise) when the files cannot be written."""
        draft_id = int(found["id"])
        try:
            lines = self._write(found)
        except ChangeError as exc:
            self.drafts.release(draft_id, account, str(exc))
            raise ApiError(409, "conflict", f"无法发布：{exc}") from exc
        except OSError as exc:  # the disk, not the change: nothing or part written, the changelog not
            self.drafts.release(draft_id, account, f"写入文件失败：{exc}")
            raise ApiError(
                503, "publish_failed", "写入材料库文件失败，未发布；草稿已退回待审核，可稍后再批准"
            ) from exc
        moved = self.drafts.published(draft_id, account, lines, note)
        published = self.draft(draft_id)
        assert published["status"] == PUBLISHED
        if moved:  # a retry that found it published already has run the hooks once
            run_publish_hooks({**published, "touches_model": published_touches_model(published)})
        return published

    def _write(self, found: dict[str, Any]) -> list[str]:
        """Write the approved draft's change and its changelog entry; its plain-words lines.

        Idempotent, so finishing an interrupted publish is safe: the changelog entry is written
        last (after every edited file is in place), so when the file holds this draft's entry the
        publish reached the disk and only its lines are returned. Otherwise the change is applied
        to the files as they are now, which also completes a publish cut off halfway through its
        renames (the files already written differ in nothing)."""
        with self._lock:
            written = _changelog_entry(self.directory, found)
            if written is not None:
                return [str(line) for line in written.get("lines") or []]
            changes = parse_change(found["change"])
            documents, lines, _ = self._apply(changes)
            if not documents:
                raise ChangeError("材料库已是这项修改后的样子（可能已有人发布了同样的修改）")
            entry = {
                "id": _changelog_id(found),
                "at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                "target": f"{found['target_kind']}/{found['target_id']}",
                "author": found["author"],
                "reviewer": found["reviewer"],
                "source": found["source"],
                "lines": lines,
            }
            log = Document(changelog.FILE, "", TEXT, changelog.append_text(self.directory, entry))
            write_documents(self.directory, [*documents, log])  # the changelog last: see reload.py
            # The registry the change left, checked already: no second load of every file.
            assert self._applied is not None  # set by _apply, which checked the change
            self._registry = replace(self._applied, digest=content_digest(self.directory))
            return lines


def _changelog_id(found: dict[str, Any]) -> str:
    return f"draft-{found['id']}"


def _changelog_entry(directory: Path, found: dict[str, Any]) -> dict[str, Any] | None:
    """The changelog's entry of this draft's publish, if it is written (same id, author and source:
    a drafts database started afresh reuses numbers, the changelog keeps the old ones)."""
    for entry in reversed(changelog.entries(directory)):
        if entry.get("id") == _changelog_id(found):
            same = entry.get("author") == found["author"] and entry.get("source") == found["source"]
            return entry if same else None
    return None


def _guide_entry(guide: Scenario, registry: Registry) -> dict[str, Any]:
    requirements = []
    for r in guide.requirements:
        material = registry.materials.get(r.material)
        requirements.append(
            {
                "material": r.material,
                "material_name": material.name if material else r.material,
                "seed_name": r.seed_name,
                "necessity": r.necessity,
                "condition": r.condition,
                "issuer": r.issuer,
                "exemption": {"kind": r.exemption.kind, "text": r.exemption.text} if r.exemption else None,
                "standing": standing(
                    {
                        "necessity": r.necessity,
                        "condition": r.condition,
                        "issuer": r.issuer,
                        "exemption": {"kind": r.exemption.kind} if r.exemption else None,
                    }
                ),
            }
        )
    questions = [
        {
            "id": q.id,
            "text": q.text,
            "based_on": list(q.based_on),
            "options": [{"id": o.id, "label": o.label, "keywords": list(o.keywords)} for o in q.options],
        }
        for q in guide.questions
    ]
    return {
        "kind": guide.kind,
        "id": guide.id,
        "name": guide.name,
        "aliases": list(guide.aliases),
        "source": guide.source.official_url,
        "questions": questions,
        "requirements": requirements,
    }
