"""What changed for one person since their notice was issued: the same answers, then and now.

The notice's registry version recomputes the checklist exactly as it was issued (the
registry keeps every version, bot/registry/versions.py); comparing it with today's
says, in the person's terms, which materials appeared, went, or changed status or
issuer. The registry's own diff of the scenario adds what else a person acts on (the
time limit, departments, the process, where to apply).
"""

from __future__ import annotations

from typing import Any

from bot.render import STATUS_LABELS, where_to_get

# Scenario fields whose change matters to someone holding a notice (bot/registry/version_diff.py).
NOTICE_FIELDS = (
    "promised_days",
    "lead_department",
    "cooperating_departments",
    "process",
    "contact",
    "service_points",
    "matters",
    "questions",
    "materials_incomplete",
)


def _items(checklist: dict[str, Any]) -> dict[tuple[str, ...], dict[str, Any]]:
    """Items by material and holder roles: a guarantor's ID card is not the applicant's."""
    return {(i["material"], *i.get("roles", [])): i for i in checklist["items"]}


def _status(item: dict[str, Any]) -> str:
    return STATUS_LABELS[item["status"]]


def compare_checklists(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """Lines naming each material added, removed, or changed in status or where to get it."""
    before, after = _items(old), _items(new)
    lines = []
    for mid, item in after.items():
        if mid not in before:
            lines.append(f"新增材料「{item['name']}」（{_status(item)}）")
        elif before[mid]["status"] != item["status"]:
            lines.append(f"「{item['name']}」由{_status(before[mid])}改为{_status(item)}")
        elif item["status"] == "to_submit" and where_to_get(before[mid]) != where_to_get(item):
            lines.append(f"「{item['name']}」的出具单位改为：{where_to_get(item) or '指南未写明'}")
    lines += [f"删除材料「{item['name']}」" for mid, item in before.items() if mid not in after]
    return lines


def scenario_field_lines(diff: dict[str, Any]) -> list[str]:
    """The scenario-level changes of a registry diff that a notice holder acts on."""
    lines = []
    for change in diff.get("scenarios") or []:
        for field in change.get("fields") or []:
            if field["field"] in NOTICE_FIELDS:
                quoted = f"：{field['before']} → {field['after']}" if "before" in field else ""
                lines.append(f"{field['label']}有修改{quoted}")
    return lines


def notice_changes(
    issued: dict[str, Any],
    old: dict[str, Any] | None,
    new: dict[str, Any],
    diff: dict[str, Any] | None,
    answers_dropped: bool = False,
) -> dict[str, Any]:
    """Whether (and what) changed since the notice ``issued`` (its registry row) was made.

    ``old`` is the checklist at the issued version (None when it is today's), ``new`` today's,
    ``diff`` the registry's diff for the scenario; ``answers_dropped`` when today's questions no
    longer take the answers given then (``new`` is then the list before any answer)."""
    then, now = issued["version"], (new.get("registry_version") or {}).get("number")
    if old is None or now is None or then == now:
        return {"changed": False, "issued_version": then, "current_version": now, "lines": []}
    lines = ["情形问题有修改，请按最新问题重新确认您的情况"] if answers_dropped else []
    lines += compare_checklists(old, new) + scenario_field_lines(diff or {})
    return {"changed": bool(lines), "issued_version": then, "current_version": now, "lines": lines}
