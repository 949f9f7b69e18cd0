"""How a checklist reads in short, plain Chinese: one text for the chat, the CLI and
every channel, so a citizen on WeChat and a hotline operator read the same words.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from bot.registry.checklist import ISSUER_KIND_LABELS

# The ``type`` of the custom payloads the bot sends: the checklist card, and the mark on a
# message a hotline staff member wrote (the web widget shows it as from a person).
CHECKLIST_CARD = "checklist"
STAFF_REPLY = "staff_reply"

STATUS_LABELS = {
    "exempt": "免提交",
    "reusable": "可复用",
    "to_submit": "需提交",
    "not_applicable": "不适用",
}


def summary_line(summary: dict[str, Any]) -> str:
    line = (
        f"共需 {summary['total']} 项材料：{summary['exempt']} 项免提交，"
        f"{summary['reusable']} 项您已提交过可直接复用，还需提交 {summary['to_submit']} 项。"
    )
    if summary.get("depends_on_situation"):
        line += f"其中 {summary['depends_on_situation']} 项视您的情况而定。"
    return line


def _condition(item: dict[str, Any]) -> str:
    condition = item.get("condition") or {}
    if condition.get("met") is None and "condition" in item:
        text = condition.get("text")
        return f"（视情况：{text}）" if text else "（视情况提交，指南未写明条件）"
    return ""


def _bullet(item: dict[str, Any], detail: str) -> str:
    role = f"（{'、'.join(item['roles'])}）" if item.get("roles") else ""
    line = f"• {item['name']}{role}"
    if detail:
        line += f" — {detail}"
    return line + _condition(item)


def where_to_get(item: dict[str, Any]) -> str:
    """Who issues it, in the guide's words when they name the issuer, else the issuer itself."""
    issuer, said = item.get("issuer") or "", item.get("obtain_from") or ""
    if item.get("issuer_kind") == "applicant":
        return "" if said in ("", ISSUER_KIND_LABELS["applicant"]) else said
    return said if issuer and issuer in said or not issuer else issuer


def _where(item: dict[str, Any]) -> str:
    where = where_to_get(item)
    if item.get("expired"):
        where = (
            where + "；" if where else ""
        ) + f"您材料库里的那份已于 {item['expired']['valid_until']} 过期"
    return where


def checklist_lines(checklist: dict[str, Any], include_exempt: bool = True) -> list[str]:
    """The checklist as lines that each stand alone (channels split messages on lines)."""
    scenario = checklist["scenario"]
    lines = [f"【{scenario['name']}】", summary_line(checklist["summary"])]
    if checklist.get("materials_incomplete"):
        lines.append(f"注意：{checklist['materials_incomplete']}，以下仅供参考，请以窗口告知为准。")
    groups = checklist.get("to_submit_by_issuer") or []
    if groups:
        lines.append("")
        lines.append("还需提交：")
        for group in groups:
            lines.append(f"〔{group['label']}〕")
            lines.extend(_bullet(i, _where(i)) for i in group["items"])
    reusable = [i for i in checklist["items"] if i["status"] == "reusable"]
    if reusable:
        lines.append("")
        lines.append("您已提交过、可直接复用：")
        lines.extend(
            _bullet(
                i,
                f"{i['reuse']['submitted_at']} 提交"
                + (f"（{i['reuse']['channel']}）" if i["reuse"].get("channel") else ""),
            )
            for i in reusable
        )
    exempt = [i for i in checklist["items"] if i["status"] == "exempt"]
    if exempt and include_exempt:
        lines.append("")
        lines.append("免提交（无需您准备）：")
        lines.extend(_bullet(i, i["exemption"]["reason"]) for i in exempt)
    return lines


def checklist_text(checklist: dict[str, Any], include_exempt: bool = True) -> str:
    return "\n".join(checklist_lines(checklist, include_exempt))


def stats_lines(stats: dict[str, Any]) -> Iterable[str]:
    yield f"{'事项':<28}{'材料':>4}{'免提交':>6}{'一次提交':>6}{'占比':>8}"
    for row in stats["scenarios"]:
        share = row["once_or_exempt_share"]
        flag = "  (指南材料不全)" if row["materials_incomplete"] else ""
        yield (
            f"{row['name'][:26]:<28}{row['requirements']:>4}{row['exempt']:>7}"
            f"{row['submit_once']:>7}{'' if share is None else f'{share:.0%}':>9}{flag}"
        )
    o = stats["overall"]
    share = o["once_or_exempt_share"]
    yield ""
    yield (
        f"合计 {o['scenarios']} 个事项、{o['requirements']} 项材料要求：免提交 {o['exempt']} 项，"
        f"一次提交复用 {o['submit_once']} 项，占比 {share:.1%}。"
    )
    yield (
        f"另有 {o['shared_not_exempt']} 项要求所需的材料被多个事项共用（材料库可让群众只交一次）；"
        f"{o['scenarios_with_materials_incomplete']} 个事项的指南材料清单不全。"
    )
    r = o["reform"]
    if r["scenarios_with_figures"]:
        yield (
            f"有改革前后数据的 {r['scenarios_with_figures']} 个事项：材料 {r['before_materials']}→"
            f"{r['after_materials']} 项，跑动 {r['before_visits']}→{r['after_visits']} 次，"
            f"时限 {r['before_days']}→{r['after_days']} 天。"
        )


def checklist_card(checklist: dict[str, Any]) -> dict[str, Any]:
    """The checklist as a compact structured card for the web widget (and the staff console)."""

    def brief(item: dict[str, Any]) -> dict[str, Any]:
        condition = item.get("condition") or {}
        return {
            "material": item["material"],
            "name": item["name"],
            "roles": item.get("roles") or [],
            "obtain_from": where_to_get(item) or None,
            "condition": condition.get("text")
            if condition.get("met") is None and "condition" in item
            else None,
            "depends_on_situation": condition.get("met") is None and "condition" in item,
        }

    items = checklist["items"]
    return {
        "type": CHECKLIST_CARD,
        "scenario": checklist["scenario"],
        "summary": checklist["summary"],
        "summary_text": summary_line(checklist["summary"]),
        "materials_incomplete": checklist.get("materials_incomplete"),
        "to_submit": [
            {"issuer_kind": g["issuer_kind"], "label": g["label"], "items": [brief(i) for i in g["items"]]}
            for g in checklist.get("to_submit_by_issuer") or []
        ],
        "exempt": [brief(i) | {"reason": i["exemption"]["reason"]} for i in items if i["status"] == "exempt"],
        "reusable": [
            brief(i) | {"submitted_at": i["reuse"]["submitted_at"], "channel": i["reuse"].get("channel")}
            for i in items
            if i["status"] == "reusable"
        ],
        "source": checklist.get("source"),
        "answers": checklist.get("answers") or {},
    }
