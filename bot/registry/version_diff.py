"""What changed between two registry versions, per scenario and per material, in words people read.

Pure functions over two snapshots (``{"scenario": {id: doc}, "material": {id: doc}}``,
the plain-JSON documents the store keeps), so the HTTP service, the CLI and the
version summary all say the same thing. Matters are guides like scenarios (under
``scenario`` in a snapshot); their documents say ``"kind": "matter"`` and a change
names them as 办事事项. A requirement is matched across versions by
its catalogue material and the guide's own name for it (``seed_name``), because the
order of a guide's list carries no meaning and a material may be listed twice (the
applicant's ID card and a guarantor's).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

Snapshot = dict[str, dict[str, dict[str, Any]]]

SCENARIO, MATERIAL = "scenario", "material"
# Scenario fields a reader cares about, with how a change to each is named.
SCENARIO_FIELDS = {
    "name": "名称",
    "aliases": "别名",
    "region": "适用地区",
    "lead_department": "牵头部门",
    "cooperating_departments": "协同部门",
    "promised_days": "承诺时限",
    "process": "办理流程",
    "eligibility": "申请条件",
    "contact": "咨询与网上办理",
    "service_points": "办理地点",
    "fees": "收费",
    "matters": "子事项",
    "questions": "情形问题",
    "materials_incomplete": "材料清单完整性",
    "source": "指南来源",
    "reform": "改革前后数据",
    # A matter's own facts (absent from scenarios, so never a change there).
    "department": "主管部门",
    "handling_department": "办理机构",
    "matter_type": "事项类型",
    "implementation_level": "行使层级",
    "legal_days": "法定时限",
    "result": "办理结果",
    "related_scenarios": "所属一件事",
    "details": "办理细节",
}
# How a change names a guide of each kind.
KIND_LABELS = {"scenario": "事项", "matter": "办事事项"}
REQUIREMENT_FIELDS = {
    "necessity": "必要性",
    "condition": "适用条件",
    "when": "适用情形",
    "exemption": "免提交",
    "issuer_kind": "出具方类型",
    "issuer": "出具单位",
    "obtain_from": "去哪开",
    "holder": "材料持有人",
    "role": "持有人身份",
    "requirements": "材料要求",
    "fill_notes": "填写说明",
}
MATERIAL_FIELDS = {
    "name": "名称",
    "aliases": "别名",
    "issuer_kind": "出具方类型",
    "issuer": "出具单位",
    "fetchable": "可由政府获取",
    "standard_code": "标准编码",
    "merged_from": "合并来源",
    "note": "说明",
}
# Values short enough to quote in a change ("承诺时限 5 → 3").
_QUOTABLE = (str, int, float, bool, type(None))


def _field_changes(old: dict[str, Any], new: dict[str, Any], labels: dict[str, str]) -> list[dict[str, Any]]:
    changes = []
    for key, label in labels.items():
        before, after = old.get(key), new.get(key)
        if before == after:
            continue
        change: dict[str, Any] = {"field": key, "label": label}
        if isinstance(before, _QUOTABLE) and isinstance(after, _QUOTABLE):
            change |= {"before": before, "after": after}
        changes.append(change)
    return changes


def _requirements(doc: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for req in doc.get("requirements") or []:
        key = (str(req.get("material")), str(req.get("seed_name")))
        found.setdefault(key, req)
    return found


def _material_name(material_id: str, *snapshots: Snapshot) -> str:
    for snap in snapshots:
        doc = snap.get(MATERIAL, {}).get(material_id)
        if doc and doc.get("name"):
            return str(doc["name"])
    return material_id


def _requirement_changes(old: dict[str, Any], new: dict[str, Any], a: Snapshot, b: Snapshot) -> list[dict]:
    before, after = _requirements(old), _requirements(new)
    changes = []
    for key in sorted(set(before) | set(after)):
        material, seed_name = key
        entry: dict[str, Any] = {
            "material": material,
            "name": _material_name(material, b, a),
            "listed_as": seed_name,
        }
        if key not in before:
            changes.append(entry | {"change": "added"})
        elif key not in after:
            changes.append(entry | {"change": "removed"})
        else:
            fields = _field_changes(before[key], after[key], REQUIREMENT_FIELDS)
            if fields:
                changes.append(entry | {"change": "changed", "fields": fields})
    return changes


def _change(kind: str, rid: str, a: Snapshot, b: Snapshot) -> dict[str, Any] | None:
    """One scenario's or catalogue material's change from ``a`` to ``b``; None when it is the same."""
    old, new = a.get(kind, {}).get(rid), b.get(kind, {}).get(rid)
    name = (new or old or {}).get("name", rid)
    named: dict[str, Any] = {"id": rid, "name": name}
    if kind == SCENARIO:
        named["kind"] = (new or old or {}).get("kind") or "scenario"
    if old is None or new is None:
        return named | {"change": "added" if old is None else "removed"}
    fields = _field_changes(old, new, SCENARIO_FIELDS if kind == SCENARIO else MATERIAL_FIELDS)
    found: dict[str, Any] = named | {"change": "changed", "fields": fields}
    if kind == SCENARIO:
        found["materials"] = _requirement_changes(old, new, a, b)
    return found if fields or found.get("materials") else None


def materials_of(doc: dict[str, Any] | None) -> set[str]:
    return {str(r.get("material")) for r in (doc or {}).get("requirements") or []}


def diff_snapshots(a: Snapshot, b: Snapshot, scenario: str | None = None) -> dict[str, Any]:
    """Changes from ``a`` to ``b``; with ``scenario``, only that scenario and the catalogue
    entries of the materials it uses (in either version)."""
    if scenario is not None:
        scenario_ids: Iterable[str] = [scenario]
        used = materials_of(a.get(SCENARIO, {}).get(scenario)) | materials_of(
            b.get(SCENARIO, {}).get(scenario)
        )
        material_ids: Iterable[str] = sorted(used)
    else:
        scenario_ids = sorted(set(a.get(SCENARIO, {})) | set(b.get(SCENARIO, {})))
        material_ids = sorted(set(a.get(MATERIAL, {})) | set(b.get(MATERIAL, {})))
    scenarios = [c for c in (_change(SCENARIO, s, a, b) for s in scenario_ids) if c]
    materials = [c for c in (_change(MATERIAL, m, a, b) for m in material_ids) if c]
    result = {"scenarios": scenarios, "materials": materials}
    return result | {"summary": summarise(result)}


_VERBS = {"added": "新增", "removed": "删除", "changed": "修改"}


def describe_scenario(change: dict[str, Any]) -> str:
    """One guide's change in a short line: 新生儿出生一件事：新增材料 X；修改 承诺时限 5→3
    (a matter's line says 办事事项, so it is not mistaken for a one-thing scenario)."""
    label = KIND_LABELS.get(change.get("kind") or "scenario", "事项")
    if change["change"] != "changed":
        return f"{_VERBS[change['change']]}{label}「{change['name']}」"
    parts = []
    for m in change.get("materials") or []:
        what = f"{_VERBS[m['change']]}材料「{m['name']}」"
        if m["change"] == "changed":
            what += "（" + "、".join(f["label"] for f in m["fields"]) + "）"
        parts.append(what)
    for f in change.get("fields") or []:
        quoted = f" {f['before']}→{f['after']}" if "before" in f else ""
        parts.append(f"修改{f['label']}{quoted}")
    prefix = "办事事项" if change.get("kind") == "matter" else ""
    return f"{prefix}「{change['name']}」：" + "；".join(parts)


def summarise(diff: dict[str, Any]) -> str:
    """The whole diff in one paragraph, as a version's change summary."""
    if not diff["scenarios"] and not diff["materials"]:
        return "内容无变化"
    parts = [describe_scenario(c) for c in diff["scenarios"][:8]]
    if len(diff["scenarios"]) > 8:
        parts.append(f"另有 {len(diff['scenarios']) - 8} 个事项有变化")
    if diff["materials"]:
        names = "、".join(f"「{m['name']}」" for m in diff["materials"][:5])
        more = f"等 {len(diff['materials'])} 项" if len(diff["materials"]) > 5 else ""
        parts.append(f"标准材料目录：{names}{more}有变化")
    return "；".join(parts)
