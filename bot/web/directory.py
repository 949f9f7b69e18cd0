"""The demo portal's 办事指南: every one-thing scenario and every service matter, searchable.

Public and server-rendered (Jinja2 templates in ``bot/web/templates/``, through bot/templating.py):

- ``GET /guide``: the directory. ``q`` searches by name through the registry (``GET
  /scenarios?q=`` and ``GET /matters?q=``); ``kind`` (一件事 / 事项), ``department``,
  ``category`` and ``materials`` narrow it; ``page`` pages through it.
- ``GET /guide/{id}``: one entry. A scenario or a matter with a material list shows its
  checklist from the registry (``POST /checklist``, anonymous: exempt / reusable /
  to_submit), its situation questions as a form (answers in the query: ``a_<question>``),
  its facts, source link, and a link to its one-time notice. A matter known only from the
  catalogue shows its name, department, type, categories, the official guide's link and
  the hotline, and says plainly that its material list is not in our registry.
- ``GET /guide/{id}/notice``: issues the one-time notice for these answers
  (``registry.issue_notice``, stable per answers and version) and redirects to it (bot/notice/).

Searching and every entry's page go through the registry's API; the list to browse (every
entry once, with its department and categories) is read from the registry's own files,
which the API cannot list whole (see :meth:`Directory._build`). Bad input never
reaches the registry: ids are checked against their form, the search text is bounded, an
unknown id is a 404 page and an oversized search a 400 page.
"""

from __future__ import annotations

import contextlib
import math
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from bot.notice.links import notice_links
from bot.registry.client import RegistryClient, RegistryRejected, RegistryUnavailable
from bot.registry.files import RegistryError, content_digest, load_registry
from bot.render import STATUS_LABELS, checklist_citation, days_text, notice_groups, summary_line
from bot.settings import Settings
from bot.templating import environment

T = TypeVar("T")

# Ids of every kind: scenario and matter ids (snake case) and catalogue service ids (base64-like).
ENTRY_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
MAX_Q = 64  # the registry's own bound on a search text
MAX_FILTER = 128  # a department or category name
PAGE_SIZE = 50
INDEX_SECONDS = 60.0  # how often the index looks whether the registry's files changed
KIND_LABELS = {"scenario": "一件事", "matter": "事项", "catalogue": "事项"}
KIND_FILTERS = {"": "全部", "scenario": "一件事", "matter": "事项"}
AUDIENCE_LABELS = {"personal": "个人", "personal_and_legal": "个人和法人", "legal_entity": "法人"}
ANSWER_PREFIX = "a_"
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class PageError(Exception):
    """A page that cannot be shown: rendered as an HTML error page with this status."""

    def __init__(self, status: int, title: str, message: str) -> None:
        super().__init__(message)
        self.status, self.title, self.message = status, title, message


def _call(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    try:
        return fn(*args, **kwargs)
    except RegistryUnavailable as exc:
        raise PageError(503, "材料库暂时连不上", "材料库暂时连不上，请稍后再试，或拨打 12345 咨询。") from exc
    except RegistryRejected as exc:
        if exc.status == 404:
            raise PageError(404, "没有找到这个事项", "没有找到这个事项，链接可能抄错了。") from exc
        raise PageError(400, "请求有误", str(exc) or "请求有误") from exc


def clean_text(value: str | None, limit: int, what: str) -> str:
    """A search text or filter as typed: control characters dropped, spaces trimmed, bounded."""
    text = _CONTROL.sub("", value or "").strip()
    if len(text) > limit:
        raise PageError(400, "输入太长", f"{what}最多 {limit} 个字，请缩短后再试。")
    return text


def page_number(value: str | None) -> int:
    """``page`` as typed: anything that is not a small positive number is the first page."""
    text = (value or "").strip()
    return int(text) if text.isdigit() and 0 < len(text) <= 6 and int(text) > 0 else 1


@dataclass
class Index:
    """Every entry of the registry once, in the shape the directory lists and filters."""

    entries: list[dict[str, Any]]
    by_id: dict[str, dict[str, Any]] = field(default_factory=dict)
    departments: list[tuple[str, int]] = field(default_factory=list)
    categories: list[tuple[str, int]] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.by_id = {e["id"]: e for e in self.entries}
        departments = Counter(e["department"] for e in self.entries if e["department"])
        categories = Counter(c for e in self.entries for c in e["categories"])
        self.departments = sorted(departments.items(), key=lambda kv: (-kv[1], kv[0]))
        self.categories = sorted(categories.items(), key=lambda kv: (-kv[1], kv[0]))
        self.counts = dict(Counter(e["kind"] for e in self.entries))


def _entry(item: Mapping[str, Any], kind: str, department: str | None = None) -> dict[str, Any]:
    """One list row (a registry search result) as the directory lists it."""
    return {
        "id": str(item["id"]),
        "name": item.get("name") or str(item["id"]),
        "kind": kind,
        "kind_label": KIND_LABELS.get(kind, kind),
        "department": department or item.get("department") or "",
        "matter_type": item.get("matter_type") or "",
        "audience": AUDIENCE_LABELS.get(item.get("audience") or "", item.get("audience") or ""),
        "categories": [str(c) for c in item.get("categories") or []],
        "materials_known": kind != "catalogue" and item.get("materials_known", True) is not False,
    }


class Directory:
    """The directory's data: the index to browse, search results, one entry's page, its notice."""

    def __init__(self, settings: Settings, registry: RegistryClient) -> None:
        """``registry``: the client searching and answering for one entry (anonymous, except
        issuing a notice, which needs the service token)."""
        self.settings = settings
        self.registry = registry
        self._index: Index | None = None
        self._index_at = 0.0
        self._digest = ""
        self._lock = threading.Lock()

    # -- the index of every entry ----------------------------------------------------------------

    def index(self) -> Index:
        """Every scenario, matter and catalogue entry; re-read when the registry's files change."""
        with self._lock:
            now = time.monotonic()
            if self._index is None or now - self._index_at > INDEX_SECONDS:
                digest = content_digest(self.settings.registry.dir)
                if self._index is None or digest != self._digest:
                    self._index, self._digest = self._build(), digest
                self._index_at = now
            return self._index

    def _build(self) -> Index:
        """The index from the registry's own files (what the registry service imports): its API
        lists at most 500 entries per search and without their categories, while browsing
        needs every entry once with its department and categories. Searching and every
        entry's page go through the API."""
        try:
            registry = load_registry(self.settings.registry.dir)
        except (OSError, RegistryError) as exc:
            raise PageError(
                503, "办事指南暂时打不开", "办事指南暂时打不开，请稍后再试，或拨打 12345 咨询。"
            ) from exc
        entries = [
            _entry(
                {"id": s.id, "name": s.name, "categories": s.categories},
                "scenario",
                s.lead_department,
            )
            for s in sorted(registry.scenarios.values(), key=lambda s: s.id)
        ]
        entries += [
            _entry(
                {
                    "id": m.id,
                    "name": m.name,
                    "department": m.department,
                    "matter_type": m.matter_type,
                    "audience": m.audience,
                    "categories": m.categories,
                },
                "matter",
            )
            for m in sorted(registry.matters.values(), key=lambda m: m.id)
        ]
        entries += [
            _entry(
                {
                    "id": c.service_id,
                    "name": c.name,
                    "department": c.department,
                    "matter_type": c.matter_type,
                    "audience": c.audience,
                    "categories": c.categories,
                },
                "catalogue",
            )
            for c in sorted(registry.catalogue.values(), key=lambda c: c.service_id)
            if c.matter is None
        ]
        return Index(entries)

    def warm(self) -> None:
        """Read the index ahead of the first visitor (a few seconds at the real size)."""
        with contextlib.suppress(PageError):  # the first visit says so, and tries again
            self.index()

    # -- the directory page --------------------------------------------------------------------------

    def listing(self, params: Mapping[str, str]) -> dict[str, Any]:
        """What ``/guide`` shows for these query parameters."""
        q = clean_text(params.get("q"), MAX_Q, "搜索词")
        kind = params.get("kind") or ""
        kind = kind if kind in KIND_FILTERS else ""
        department = clean_text(params.get("department"), MAX_FILTER, "部门")
        category = clean_text(params.get("category"), MAX_FILTER, "分类")
        materials = params.get("materials") == "1"
        index = self.index()
        if q:
            found = [_entry(s, "scenario") for s in _call(self.registry.search_scenarios, q, 50)]
            found += [
                _entry(m, "catalogue" if m.get("kind") == "catalogue" else "matter")
                for m in _call(self.registry.search_matters, q, 200)
            ]
            rows = [index.by_id.get(e["id"], e) for e in found]
        else:
            rows = index.entries
        rows = [
            e
            for e in rows
            if (not kind or (e["kind"] == "scenario") == (kind == "scenario"))
            and (not department or e["department"] == department)
            and (not category or category in e["categories"])
            and (not materials or e["materials_known"])
        ]
        pages = max(1, math.ceil(len(rows) / PAGE_SIZE))
        page = min(page_number(params.get("page")), pages)
        chosen = {"q": q, "kind": kind, "department": department, "category": category}
        chosen |= {"materials": "1" if materials else ""}

        def link(**changes: str | int) -> str:
            query = {k: v for k, v in (chosen | changes).items() if v and not (k == "page" and v == 1)}
            return "/guide" + ("?" + urlencode(query) if query else "")

        return {
            "q": q,
            "kind": kind,
            "department": department,
            "category": category,
            "materials": materials,
            "kinds": KIND_FILTERS,
            "rows": rows[(page - 1) * PAGE_SIZE : page * PAGE_SIZE],
            "total": len(rows),
            "page": page,
            "pages": pages,
            "prev_url": link(page=page - 1) if page > 1 else None,
            "next_url": link(page=page + 1) if page < pages else None,
            "departments": index.departments,
            "categories": index.categories,
            "counts": index.counts,
            "filtered": bool(q or kind or department or category or materials),
            "link": link,
        }

    # -- one entry ---------------------------------------------------------------------------------------

    def _guide(self, entry_id: str) -> dict[str, Any] | None:
        """The registry's document of a scenario or a matter with a material list; None otherwise."""
        if not ENTRY_ID.match(entry_id):
            raise PageError(404, "没有找到这个事项", "没有找到这个事项，链接可能抄错了。")
        return _call(self.registry.scenario, entry_id)

    @staticmethod
    def answers(doc: Mapping[str, Any], params: Mapping[str, str]) -> dict[str, str]:
        """The answers in the query that are answers to this guide's questions; the rest is ignored."""
        answers = {}
        for question in doc.get("questions") or []:
            value = params.get(ANSWER_PREFIX + str(question["id"]))
            if value and value in {str(o["id"]) for o in question.get("options") or []}:
                answers[str(question["id"])] = value
        return answers

    def entry(self, entry_id: str, params: Mapping[str, str]) -> tuple[str, dict[str, Any]]:
        """The template and its values for ``/guide/{id}``; ``("redirect", …)`` for a service id."""
        doc = self._guide(entry_id)
        if doc is None:
            found = _call(self.registry.matter, entry_id)
            if found is None:
                raise PageError(404, "没有找到这个事项", "没有找到这个事项，链接可能抄错了。")
            if found.get("kind") != "catalogue":
                return "redirect", {"url": f"/guide/{found['id']}"}  # a detailed matter by its service id
            return "guide_catalogue.html", self._catalogue(found)
        answers = self.answers(doc, params)
        checklist = _call(self.registry.checklist, doc["id"], answers)
        return "guide_entry.html", self._guide_values(doc, checklist, answers)

    def _catalogue(self, found: dict[str, Any]) -> dict[str, Any]:
        url = found.get("official_url") or ""
        return {
            "entry": found,
            "name": found.get("name") or found.get("id"),
            "department": found.get("department") or "目录未写明",
            "matter_type": found.get("matter_type") or "目录未写明",
            "audience": AUDIENCE_LABELS.get(
                found.get("audience") or "", found.get("audience") or "目录未写明"
            ),
            "categories": [str(c) for c in found.get("categories") or []],
            "official_url": url if url.startswith(("https://", "http://")) else "",
            "hotline": self.settings.contact.hotline,
            "source": found.get("source") or {},
        }

    def _related(self, ids: list[str]) -> list[dict[str, Any]]:
        """The one-thing scenarios that bundle a matter, with how many other matters each brings."""
        related = []
        for scenario_id in ids:
            doc = _call(self.registry.scenario, scenario_id) if ENTRY_ID.match(scenario_id) else None
            if doc is not None:
                others = max(0, len(doc.get("matters") or []) - 1)
                related.append({"id": scenario_id, "name": doc.get("name") or scenario_id, "others": others})
        return related

    def _guide_values(
        self, doc: dict[str, Any], checklist: dict[str, Any], answers: dict[str, str]
    ) -> dict[str, Any]:
        kind = doc.get("kind") or "scenario"
        # The page's own headings say the status; a group keeps only what they do not (the issuer).
        groups = [
            g | {"label": g["label"].split(" · ", 1)[-1] if g["status"] == "to_submit" else None}
            for g in notice_groups(checklist)
        ]
        by_status = {s: [g for g in groups if g["status"] == s] for s in STATUS_LABELS}
        official = (doc.get("source") or {}).get("official_url") or ""
        notice_query = urlencode({ANSWER_PREFIX + k: v for k, v in answers.items()})
        facts: list[tuple[str, str]] = []
        if kind == "scenario":
            facts.append(("牵头部门", doc.get("lead_department") or "指南未写明"))
            cooperating = "、".join(doc.get("cooperating_departments") or [])
            facts.append(("协同部门", cooperating or "指南未写明"))
        else:
            facts.append(("主管部门", doc.get("department") or "指南未写明"))
            if doc.get("handling_department"):
                facts.append(("办理机构", doc["handling_department"]))
            facts.append(("事项类型", doc.get("matter_type") or "指南未写明"))
            audience = doc.get("audience") or ""
            facts.append(
                ("服务对象", AUDIENCE_LABELS.get(audience, doc.get("service_object") or "指南未写明"))
            )
            if doc.get("implementation_level"):
                facts.append(("行使层级", doc["implementation_level"]))
        facts.append(("承诺办结时限", days_text(doc.get("promised_days"))))
        if kind != "scenario" and doc.get("legal_days") is not None:
            facts.append(("法定办结时限", days_text(doc.get("legal_days"))))
        if doc.get("region") or doc.get("area"):
            facts.append(("适用地区", doc.get("area") or doc["region"]))
        fees = [f for f in doc.get("fees") or [] if isinstance(f, dict)]
        return {
            "doc": doc,
            "kind": kind,
            "kind_label": KIND_LABELS.get(kind, kind),
            "name": doc.get("name") or doc["id"],
            "facts": facts,
            "categories": [str(c) for c in doc.get("categories") or []],
            "eligibility": [str(e) for e in doc.get("eligibility") or []],
            "process": doc.get("process") or "",
            "fees": fees,
            "contact": {
                k: v
                for k, v in (doc.get("contact") or {}).items()
                if k != "online_url" or str(v).startswith(("https://", "http://"))
            },
            "service_points": [p for p in doc.get("service_points") or [] if isinstance(p, dict)],
            "sub_matters": doc.get("matters") or [],
            "related": self._related([str(i) for i in doc.get("related_scenarios") or []]),
            "questions": doc.get("questions") or [],
            "answers": answers,
            "answer_prefix": ANSWER_PREFIX,
            "unanswered": {q["id"] for q in checklist.get("unanswered") or []},
            "summary": summary_line(checklist["summary"]),
            "counts": checklist["summary"],
            "incomplete": checklist.get("materials_incomplete"),
            "to_submit": by_status["to_submit"],
            "reusable": by_status["reusable"],
            "exempt": by_status["exempt"],
            "not_applicable": by_status["not_applicable"],
            "official_url": official if official.startswith(("https://", "http://")) else "",
            "citation": checklist_citation(checklist)["line"],
            "notice_url": f"/guide/{doc['id']}/notice" + (f"?{notice_query}" if notice_query else ""),
            "hotline": self.settings.contact.hotline,
        }

    def notice(self, entry_id: str, params: Mapping[str, str]) -> str:
        """Issue (or find again: the code is stable) the one-time notice; its plain link."""
        doc = self._guide(entry_id)
        if doc is None:
            raise PageError(
                404, "没有一次告知单", "这个事项的材料清单不在我们的材料库中，无法生成一次告知单。"
            )
        issued = _call(self.registry.issue_notice, doc["id"], self.answers(doc, params))
        return str(notice_links(self.settings, issued["code"])["plain_url"])


def directory_router(directory: Directory, page_headers: dict[str, str]) -> APIRouter:
    router = APIRouter()
    env = environment()
    threading.Thread(target=directory.warm, name="directory-index", daemon=True).start()

    def render(template: str, status: int = 200, **values: Any) -> HTMLResponse:
        text = env.get_template(template).render(**values)
        return HTMLResponse(text, status_code=status, headers=page_headers | {"Cache-Control": "no-store"})

    def error(exc: PageError, q: str = "") -> HTMLResponse:
        return render("guide_error.html", exc.status, title=exc.title, message=exc.message, q=q)

    def query(request: Request) -> dict[str, str]:
        # One value per name (the first): a repeated parameter is not a list here.
        values: dict[str, str] = {}
        for key, value in request.query_params.multi_items():
            values.setdefault(key, value)
        return values

    @router.get("/guide", response_class=HTMLResponse)
    def guide(request: Request) -> HTMLResponse:
        try:
            return render("guide_index.html", **directory.listing(query(request)))
        except PageError as exc:
            return error(exc)

    @router.get("/guide/{entry_id}", response_class=HTMLResponse)
    def entry(entry_id: str, request: Request) -> Response:
        try:
            template, values = directory.entry(entry_id, query(request))
        except PageError as exc:
            return error(exc)
        if template == "redirect":
            return RedirectResponse(values["url"], status_code=301)
        return render(template, **values)

    @router.get("/guide/{entry_id}/notice")
    def notice(entry_id: str, request: Request) -> Response:
        try:
            url = directory.notice(entry_id, query(request))
        except PageError as exc:
            return error(exc)
        return RedirectResponse(url, status_code=303, headers={"Cache-Control": "no-store"})

    @router.get("/guide/{rest:path}", response_class=HTMLResponse)
    def elsewhere(rest: str) -> HTMLResponse:
        # Any other path under /guide (an id with a slash in it, a mistyped link) is our 404 page.
        return error(PageError(404, "没有找到这个事项", "没有找到这个事项，链接可能抄错了。"))

    return router
