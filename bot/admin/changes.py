"""A registry change as structured JSON, applied to the registry's files, and checked before it is kept.

What people curate, and nothing else: names and aliases (any scenario, matter, catalogue
material or catalogue entry), one requirement's necessity, condition, issuing body and
exemption (kind and its basis), a guide's situation questions and their options, and the
merge of one catalogue material into another ("one material, one number"). A change names
its target and lists operations on it; it is stored as JSON with its draft, and applied to
the files as they are when it is published, so a draft made before someone else's
publish still applies (or is refused with the reason, never half-applied).

Every change is checked by the registry's own loader rules (bot/registry/files.py
``validate``) on the registry as it would be, in memory, before any file is written.
"""

from __future__ import annotations

import copy
import dataclasses
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal, Union

from pydantic import BaseModel, Field, ValidationError, validator

from bot.admin.documents import CATALOGUE, DEMO, MATERIALS, TEXT, Document, guide_path, read_document
from bot.registry.files import Registry, RegistryError, validate
from bot.registry.model import EXEMPT_KINDS, NECESSITIES, CatalogueEntry, Material, Scenario
from bot.registry.seed_import import KEPT_GUIDE_KEYS, KEPT_KEY, KEPT_REQUIREMENT_KEYS

GUIDE_KINDS = ("scenario", "matter")
TARGET_KINDS = (*GUIDE_KINDS, "material", "catalogue")
ID_PATTERN = r"^[A-Za-z0-9_.-]{1,128}$"
Text = Field(..., min_length=1, max_length=500)


class ChangeError(ValueError):
    """The change cannot be applied to the registry as it is; the message says why, in Chinese."""


class _Strict(BaseModel):
    class Config:
        extra = "forbid"
        anystr_strip_whitespace = True


class Target(_Strict):
    kind: Literal["scenario", "matter", "material", "catalogue"]
    id: str = Field(..., regex=ID_PATTERN)


class NamesOp(_Strict):
    """The entry's name and its aliases (what people call it; the model learns from them)."""

    op: Literal["names"]
    name: str = Text
    aliases: list[str] = Field(default_factory=list, max_items=200)

    @validator("aliases", each_item=True)
    def _alias(cls, value: str) -> str:
        value = value.strip()
        if not 0 < len(value) <= 100:
            raise ValueError("每个别名 1 到 100 个字")
        return value


def _one_of(value: str | None, allowed: tuple[str, ...], what: str) -> str | None:
    if value is not None and value not in allowed:
        raise ValueError(f"{what}必须是 {', '.join(allowed)} 之一")
    return value


class ExemptionIn(_Strict):
    """How the requirement is exempted (the portal's kind) and its basis: which e-licence or
    data-sharing source the government fetches it from, in the guide's or department's words."""

    kind: str
    text: str | None = Field(None, max_length=1000)

    @validator("kind")
    def _kind(cls, value: str) -> str | None:
        return _one_of(value, EXEMPT_KINDS, "免提交方式")


class RequirementOp(_Strict):
    """One requirement of a guide, found by its material and the guide's own name for it."""

    op: Literal["requirement"]
    material: str = Field(..., regex=ID_PATTERN)
    seed_name: str = Text
    necessity: str | None = None
    condition: str | None = Field(None, max_length=1000)
    issuer: str | None = Field(None, max_length=100)
    exemption: ExemptionIn | None = None
    when: dict[str, list[str]] | None = None
    # Which of the optional fields the change sets (a field left out stays as it is).
    fields: list[Literal["necessity", "condition", "issuer", "exemption", "when"]] = Field(..., min_items=1)

    @validator("necessity")
    def _necessity(cls, value: str | None) -> str | None:
        return _one_of(value, NECESSITIES, "必要性")


class OptionIn(_Strict):
    id: str = Field(..., regex=ID_PATTERN)
    label: str = Field(..., min_length=1, max_length=100)
    keywords: list[str] = Field(default_factory=list, max_items=50)


class QuestionIn(_Strict):
    id: str = Field(..., regex=ID_PATTERN)
    text: str = Field(..., min_length=1, max_length=300)
    based_on: list[str] = Field(default_factory=list, max_items=20)
    options: list[OptionIn] = Field(..., min_items=2, max_items=20)


class QuestionsOp(_Strict):
    """A guide's situation questions (情形) as a whole: the list replaces the old one."""

    op: Literal["questions"]
    questions: list[QuestionIn] = Field(..., max_items=30)


class MergeOp(_Strict):
    """Fold catalogue material ``source`` into the target: its names, codes and seed names move
    over, every guide's requirement of it now names the target, and the entry goes."""

    op: Literal["merge"]
    source: str = Field(..., regex=ID_PATTERN)


Op = Union[NamesOp, RequirementOp, QuestionsOp, MergeOp]  # noqa: UP007 (a runtime alias)
OPS: dict[str, type[_Strict]] = {
    "names": NamesOp,
    "requirement": RequirementOp,
    "questions": QuestionsOp,
    "merge": MergeOp,
}


class Change(_Strict):
    """The target and its operations; each operation is read by the model its ``op`` names (so a bad
    one's error names its own fields, not every kind's)."""

    target: Target
    ops: list[dict[str, Any]] = Field(..., min_items=1, max_items=20)

    def operations(self) -> list[Op]:
        return [OPS[op["op"]].parse_obj(op) for op in self.ops]  # type: ignore[misc]

    @validator("ops", each_item=True)
    def _op(cls, value: dict[str, Any]) -> dict[str, Any]:
        kind = value.get("op")
        if kind not in OPS:
            raise ValueError(f"op 必须是 {', '.join(OPS)} 之一")
        return OPS[kind].parse_obj(value).dict(exclude_unset=True)


class ChangeSet(_Strict):
    """Several changes reviewed and published as one (an import of a region's data, a department's
    notice touching several guides): all apply, or none."""

    changes: list[Change] = Field(..., min_items=1, max_items=2000)


def parse_change(raw: Any) -> list[Change]:
    """The changes a draft's JSON holds (one change, or ``{"changes": [...]}``), or ChangeError
    saying what is wrong with it."""
    try:
        if isinstance(raw, dict) and "changes" in raw:
            return ChangeSet.parse_obj(raw).changes
        return [Change.parse_obj(raw)]
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"] if p != "__root__")
        raise ChangeError(f"修改内容不合规：{where}：{first['msg']}") from exc


_ALLOWED = {
    "names": TARGET_KINDS,
    "requirement": GUIDE_KINDS,
    "questions": GUIDE_KINDS,
    "merge": ("material",),
}
KIND_WORDS = {
    "scenario": "一件事",
    "matter": "办事事项",
    "material": "标准材料",
    "catalogue": "事项目录条目",
}


class Workspace:
    """The registry's files, read as they are now, and the ones a change would write.

    ``registry`` is the loaded, valid registry of those files; the change is checked against
    a copy of it with the touched records replaced.
    """

    def __init__(self, directory: Path, registry: Registry) -> None:
        self.directory, self.registry = directory, registry
        self.touched: dict[str, Document] = {}
        self.before: dict[str, Document] = {}
        self.merged: dict[str, str] = {}  # catalogue material id -> the one it was merged into
        self.result: Registry | None = None  # the registry as the change leaves it, once checked

    def document(self, path: str) -> Document:
        if path not in self.touched:
            if not (self.directory / path).exists():
                raise ChangeError(f"没有这个文件：{path}")
            original = read_document(self.directory, path)
            self.before[path] = original
            self.touched[path] = Document(
                original.path, original.header, original.form, copy.deepcopy(original.data)
            )
        return self.touched[path]

    # -- finding the target ----------------------------------------------------------------

    def guide(self, kind: str, guide_id: str) -> dict[str, Any]:
        known = self.registry.scenarios if kind == "scenario" else self.registry.matters
        if guide_id not in known:
            raise ChangeError(f"没有这个{KIND_WORDS[kind]}：{guide_id}")
        data = self.document(guide_path(kind, guide_id)).data
        assert isinstance(data, dict)
        return data

    def material(self, material_id: str) -> dict[str, Any]:
        for entry in self.document(MATERIALS).data.get("materials") or []:
            if str(entry.get("id")) == material_id:
                return entry
        raise ChangeError(f"标准材料目录中没有：{material_id}")

    def catalogue_entry(self, service_id: str) -> dict[str, Any]:
        for entry in self.document(CATALOGUE).data.get("catalogue") or []:
            if str(entry.get("service_id")) == service_id:
                return entry
        raise ChangeError(f"事项目录中没有：{service_id}")

    def record(self, target: Target) -> dict[str, Any]:
        if target.kind in GUIDE_KINDS:
            return self.guide(target.kind, target.id)
        if target.kind == "material":
            return self.material(target.id)
        return self.catalogue_entry(target.id)

    # -- the operations --------------------------------------------------------------------

    def apply(self, changes: list[Change]) -> list[Document]:
        """Apply every operation of every change in turn; the documents to write (ChangeError if any
        cannot be applied, or the registry they leave does not check)."""
        for change in changes:
            for op in change.operations():
                if change.target.kind not in _ALLOWED[op.op]:
                    raise ChangeError(f"{KIND_WORDS[change.target.kind]}不能做“{op.op}”修改")
                _APPLY[op.op](self, change.target, op)
        self.check()
        return [doc for path, doc in self.touched.items() if doc.text() != self.before[path].text()]

    def check(self) -> None:
        """The registry's own rules over the registry as the change would leave it."""
        registry = self.registry
        for path, doc in self.touched.items():
            registry = _replace(registry, path, doc)
        if self.merged:
            demo = [
                dataclasses.replace(e, material=self.merged.get(e.material, e.material))
                for e in registry.demo_citizens
            ]
            registry = dataclasses.replace(registry, demo_citizens=tuple(demo))
        try:
            validate(registry)
        except RegistryError as exc:
            raise ChangeError(f"修改后材料库不一致：{exc}") from exc
        self.result = registry


def _names(ws: Workspace, target: Target, op: NamesOp) -> None:
    record = ws.record(target)
    renamed = record["name"] != op.name
    record["name"] = op.name
    aliases = [a for a in dict.fromkeys(op.aliases) if a != op.name]
    _set(record, "aliases", aliases, after=("id", "kind", "name"))
    if renamed and target.kind != "material":  # the import keeps every catalogue material as it is
        mark_kept(record, ["name"], after=("name", "aliases"))  # the import's place: after the names


def _requirement(ws: Workspace, target: Target, op: RequirementOp) -> None:
    guide = ws.guide(target.kind, target.id)
    found = [
        r
        for r in guide.get("requirements") or []
        if str(r.get("material")) == op.material and r.get("seed_name") == op.seed_name
    ]
    if not found:
        raise ChangeError(f"「{guide.get('name')}」没有材料「{op.seed_name}」（{op.material}）")
    for req in found:
        edited: list[str] = []
        for name in op.fields:
            value = getattr(op, name)
            if name == "exemption" and value is not None:
                value = {k: v for k, v in value.dict().items() if v is not None}
            if name == "necessity" and value is None:
                raise ChangeError("必要性不能为空（required 或 conditional）")
            if (req.get(name) or None) != (value or None) and name in KEPT_REQUIREMENT_KEYS:
                edited.append(name)
            order = _REQUIREMENT_ORDER
            _set(req, name, value, after=order[: order.index(name)] if name in order else ())
        mark_kept(req, edited)


# The order of the names in ``kept`` (one order whatever order the fields were edited in).
_KEPT_ORDER = tuple(dict.fromkeys((*KEPT_GUIDE_KEYS, *KEPT_REQUIREMENT_KEYS)))


def mark_kept(record: dict[str, Any], edited: list[str], after: tuple[str, ...] | None = None) -> None:
    """Record under ``kept`` that people set these seed facts, so the seed import keeps them
    (bot/registry/seed_import.py ``keep_edited``). The key goes where the import puts it: after
    ``after``'s last key the record has, or (``after`` None) last, behind a later ``when``."""
    named = {*(record.get(KEPT_KEY) or []), *edited}
    kept = sorted(named, key=lambda k: (_KEPT_ORDER.index(k) if k in _KEPT_ORDER else len(_KEPT_ORDER), k))
    if not kept:
        return
    record.pop(KEPT_KEY, None)
    _set(record, KEPT_KEY, kept, after=after if after is not None else tuple(record))


# A requirement's keys in the import's order (bot/registry/seed_import.py); ``when`` is curated and
# the import appends it, so it goes last.
_REQUIREMENT_ORDER = (
    "material",
    "seed_name",
    "role",
    "holder",
    "necessity",
    "condition",
    "note",
    "issuer_kind",
    "issuer",
    "obtain_from",
    "exemption",
)


def _set(record: dict[str, Any], key: str, value: Any, after: tuple[str, ...] = ()) -> None:
    """Set ``key`` where it is (the file's key order stays); an empty value removes it. A new key goes
    after the last key of ``after`` the record has, or at the end: where the import would put it, so
    a later import of the seed leaves the file as it is."""
    if value is None or value in ("", [], {}):
        record.pop(key, None)
        return
    if key in record:
        record[key] = value
        return
    present = [i for i, k in enumerate(record) if k in after]
    items = list(record.items())
    items.insert(present[-1] + 1 if present else len(items), (key, value))
    record.clear()
    record.update(items)


def _questions(ws: Workspace, target: Target, op: QuestionsOp) -> None:
    guide = ws.guide(target.kind, target.id)
    questions = [q.dict(exclude_defaults=False) for q in op.questions]
    for q in questions:
        if not q["based_on"]:
            q.pop("based_on")
        for o in q["options"]:
            if not o["keywords"]:
                o.pop("keywords")
    ordered = [{k: q[k] for k in ("id", "text", "based_on", "options") if k in q} for q in questions]
    keys = list(guide)
    _set(
        guide,
        "questions",
        ordered,
        after=tuple(keys[: keys.index("requirements")] if "requirements" in keys else keys),
    )


_MATERIAL_ORDER = (
    "id",
    "name",
    "aliases",
    "issuer_kind",
    "issuer",
    "standard_code",
    "other_codes",
    "fetchable",
    "merged_from",
)


def _merge(ws: Workspace, target: Target, op: MergeOp) -> None:
    if op.source == target.id:
        raise ChangeError("不能把一项材料并入它自己")
    into, gone = ws.material(target.id), ws.material(op.source)
    names = [*(into.get("aliases") or []), gone["name"], *(gone.get("aliases") or [])]
    _set(into, "aliases", [n for n in dict.fromkeys(names) if n != into["name"]], after=("id", "name"))
    codes = [*(into.get("other_codes") or []), gone.get("standard_code"), *(gone.get("other_codes") or [])]
    codes = [c for c in dict.fromkeys(codes) if c and c != into.get("standard_code")]
    _set(into, "other_codes", codes, after=_MATERIAL_ORDER[:6])
    merged = [*(into.get("merged_from") or []), *(gone.get("merged_from") or [])]
    _set(into, "merged_from", merged, after=_MATERIAL_ORDER[:8])
    entries = ws.document(MATERIALS).data["materials"]
    entries[:] = [e for e in entries if str(e.get("id")) != op.source]
    ws.merged[op.source] = target.id
    for guide in ws.registry.guides().values():
        if any(r.material == op.source for r in guide.requirements):
            data = ws.guide(guide.kind, guide.id)
            for req in data.get("requirements") or []:
                if str(req.get("material")) == op.source:
                    req["material"] = target.id
    if any(e.material == op.source for e in ws.registry.demo_citizens):
        demo = ws.document(DEMO)
        demo.data = re.sub(rf"(\bmaterial: ){re.escape(op.source)}([,}}])", rf"\g<1>{target.id}\2", demo.data)


_APPLY: dict[str, Callable[[Workspace, Target, Any], None]] = {
    "names": _names,
    "requirement": _requirement,
    "questions": _questions,
    "merge": _merge,
}


def _replace(registry: Registry, path: str, doc: Document) -> Registry:
    """``registry`` with the records of the document at ``path`` as the document now says."""
    try:
        if path == MATERIALS:
            materials = {str(m["id"]): Material.from_dict(m) for m in doc.data.get("materials") or []}
            return dataclasses.replace(registry, materials=materials)
        if path == CATALOGUE:
            entries = [CatalogueEntry.from_dict(e) for e in doc.data.get("catalogue") or []]
            return dataclasses.replace(registry, catalogue={e.service_id: e for e in entries})
        if doc.form == TEXT:
            return registry  # demo citizens: only their material ids change, with a merge (check())
        folder, name = path.split("/", 1)
        kind = "scenario" if folder == "scenarios" else "matter"
        guide = Scenario.from_dict({"kind": kind, **doc.data})
        if guide.id != name.removesuffix(".yml"):
            raise ChangeError(f"{path}: id 不能修改")
        if kind == "scenario":
            return dataclasses.replace(registry, scenarios={**registry.scenarios, guide.id: guide})
        return dataclasses.replace(registry, matters={**registry.matters, guide.id: guide})
    except (KeyError, TypeError, AttributeError) as exc:
        raise ChangeError(f"{path}: 修改后的记录不完整（{exc}）") from exc
