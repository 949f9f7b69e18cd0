"""A registry change in plain words, as the reviewer reads it before approving it.

"中华人民共和国结婚证：需提交 → 免提交（电子证照核验，民政）": one line per thing a citizen or a
reviewer would notice, said the way the checklist says it (bot/registry/checklist.py), from
the documents as they are and as the change would leave them (bot/admin/changes.py). The
registry's own version diff (bot/registry/version_diff.py) names the field labels, so a
field reads the same here as in a version's summary.
"""

from __future__ import annotations

from typing import Any

from bot.admin.documents import CATALOGUE, DEMO, MATERIALS, Document
from bot.registry.checklist import EXEMPT_REASONS, SUBMIT_ONCE_KIND
from bot.registry.exemption_labels import EXEMPT_LABELS
from bot.registry.version_diff import MATERIAL_FIELDS, REQUIREMENT_FIELDS

NECESSITY_WORDS = {"required": "必须提交", "conditional": "视情形提交"}


def standing(req: dict[str, Any]) -> str:
    """What the requirement asks of a citizen: 需提交, 视情形提交（…）, 只提交一次, 免提交（方式，出具单位）."""
    exemption = req.get("exemption") or {}
    kind = exemption.get("kind")
    if kind in EXEMPT_REASONS:
        who = f"，{req['issuer']}" if req.get("issuer") else ""
        return f"免提交（{EXEMPT_LABELS[kind]}{who}）"
    base = "只提交一次" if kind == SUBMIT_ONCE_KIND else "需提交"
    if req.get("necessity") == "conditional":
        return f"视情形{base.removeprefix('需')}" + (
            f"（{req['condition']}）" if req.get("condition") else ""
        )
    return base


def _quote(value: Any) -> str:
    if value in (None, "", [], {}):
        return "（空）"
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    if isinstance(value, dict):
        return "，".join(f"{k}={_quote(v)}" for k, v in value.items())
    return str(value)


def _list_change(label: str, before: list[Any], after: list[Any]) -> list[str]:
    added = [a for a in after if a not in before]
    gone = [b for b in before if b not in after]
    parts = ([f"新增 {_quote(added)}"] if added else []) + ([f"删除 {_quote(gone)}"] if gone else [])
    return [f"{label}：" + "；".join(parts)] if parts else []


def _names(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    lines = []
    if before.get("name") != after.get("name"):
        lines.append(f"名称：{before.get('name')} → {after.get('name')}")
    return lines + _list_change("别名", before.get("aliases") or [], after.get("aliases") or [])


def _requirements(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    def keyed(doc: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
        return {(str(r.get("material")), str(r.get("seed_name"))): r for r in doc.get("requirements") or []}

    old, new = keyed(before), keyed(after)
    lines = []
    for key in [k for k in old if k not in new]:
        moved = next((n for n in new if n[1] == key[1] and n not in old), None)
        if moved is not None:
            lines.append(f"材料「{key[1]}」改为标准材料 {moved[0]}（原为 {key[0]}）")
    for key, req in new.items():
        was = old.get(key)
        if was is None or was == req:
            continue
        if standing(was) != standing(req):
            lines.append(f"{key[1]}：{standing(was)} → {standing(req)}")
        for field, label in REQUIREMENT_FIELDS.items():
            if field in ("necessity", "exemption") or was.get(field) == req.get(field):
                continue
            if field == "condition" and req.get("necessity") == "conditional" and "condition" not in req:
                continue
            lines.append(f"{key[1]} · {label}：{_quote(was.get(field))} → {_quote(req.get(field))}")
        basis_was = (was.get("exemption") or {}).get("text")
        basis = (req.get("exemption") or {}).get("text")
        if basis_was != basis and basis:
            lines.append(f"{key[1]} · 免提交依据：{basis}")
    return lines


def _questions(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    old = {q["id"]: q for q in before.get("questions") or []}
    new = {q["id"]: q for q in after.get("questions") or []}
    lines = [f"新增情形问题「{q['text']}」（{_options(q)}）" for i, q in new.items() if i not in old]
    lines += [f"删除情形问题「{q['text']}」" for i, q in old.items() if i not in new]
    lines += [
        f"修改情形问题「{q['text']}」（{_options(q)}）" for i, q in new.items() if i in old and old[i] != q
    ]
    return lines


def _options(question: dict[str, Any]) -> str:
    return " / ".join(str(o["label"]) for o in question.get("options") or [])


def _guide_lines(before: Document, after: Document) -> list[str]:
    old, new = before.data or {}, after.data or {}
    return _names(old, new) + _questions(old, new) + _requirements(old, new)


def _by(data: Any, list_key: str, id_key: str) -> dict[str, dict[str, Any]]:
    return {str(e.get(id_key)): e for e in (data or {}).get(list_key) or []}


def _materials_lines(before: Document, after: Document) -> list[str]:
    old, new = _by(before.data, "materials", "id"), _by(after.data, "materials", "id")
    lines = []
    for mid, entry in new.items():
        was = old.get(mid)
        if was is None or was == entry:
            continue
        where = f"标准材料「{entry.get('name')}」"
        lines += [f"{where} · {line}" for line in _names(was, entry)]
        for field in ("other_codes", "merged_from"):
            if was.get(field) != entry.get(field):
                more = len(entry.get(field) or []) - len(was.get(field) or [])
                lines.append(f"{where} · {MATERIAL_FIELDS.get(field, '其他标准编码')}：增加 {more} 项")
    for mid, entry in old.items():
        if mid not in new:
            lines.append(f"删除标准材料「{entry.get('name')}」（{mid}），并入其他材料")
    return lines


def _catalogue_lines(before: Document, after: Document) -> list[str]:
    old, new = _by(before.data, "catalogue", "service_id"), _by(after.data, "catalogue", "service_id")
    lines = []
    for sid, entry in new.items():
        if sid in old and old[sid] != entry:
            lines += [f"事项目录「{entry.get('name')}」 · {line}" for line in _names(old[sid], entry)]
    return lines


def describe(before: dict[str, Document], after: list[Document]) -> list[str]:
    """The change's lines, guide by guide (``before``: the documents as they are, by path)."""
    lines: list[str] = []
    guides = [d for d in after if d.path.startswith(("scenarios/", "matters/"))]
    merged_guides = 0
    for doc in after:
        was = before[doc.path]
        if doc.path == MATERIALS:
            lines += _materials_lines(was, doc)
        elif doc.path == CATALOGUE:
            lines += _catalogue_lines(was, doc)
        elif doc.path == DEMO:
            lines.append("演示用户材料库中的该材料随之改名")
    for doc in guides:
        found = _guide_lines(before[doc.path], doc)
        if len(guides) > 3 and all(line.startswith("材料「") for line in found):
            merged_guides += 1  # a merge touches many guides alike: counted, not listed
            continue
        name = (doc.data or {}).get("name") or doc.path
        lines += [f"{name} · {line}" for line in found]
    if merged_guides:
        lines.append(f"另有 {merged_guides} 个一件事或事项的材料随之改为并入后的标准材料")
    return lines or ["内容无变化"]
