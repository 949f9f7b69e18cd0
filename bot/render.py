"""How a checklist reads in short, plain Chinese: one text for the chat, the CLI and
every channel, so a citizen on WeChat and a hotline operator read the same words.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from bot.feedback.model import RATING_BUTTONS
from bot.registry.checklist import ISSUER_KIND_LABELS

# The ``type`` of the custom payloads the bot sends: the checklist card, and the mark on a
# message a hotline staff member wrote (the web widget shows it as from a person).
CHECKLIST_CARD = "checklist"
STAFF_REPLY = "staff_reply"

FEEDBACK_QUESTION = "这个回答有用吗？回复“有用”或“没用”。"

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
    yield from _guide_totals_lines(stats)


def _guide_totals_lines(stats: dict[str, Any]) -> Iterable[str]:
    """The ordinary matters, scenarios and matters together, and each department's share."""
    matters = (stats.get("by_kind") or {}).get("matter")
    every = stats.get("all")
    if not matters or not every:
        return
    yield ""
    yield (
        f"办事事项 {matters['guides']} 个、{matters['requirements']} 项材料要求：免提交 {matters['exempt']} 项，"
        f"一次提交复用 {matters['submit_once']} 项，占比 {(matters['once_or_exempt_share'] or 0):.1%}。"
    )
    yield (
        f"一件事与事项合计 {every['guides']} 个、{every['requirements']} 项材料要求，"
        f"只交一次或免提交占比 {(every['once_or_exempt_share'] or 0):.1%}。"
    )
    departments = stats.get("by_department") or []
    if departments:
        yield ""
        yield f"{'部门':<24}{'一件事':>5}{'事项':>5}{'材料':>6}{'免提交':>6}{'占比':>8}"
        for row in departments:
            share = row["once_or_exempt_share"]
            yield (
                f"{(row['department'] or '（未注明）')[:22]:<24}{row['scenarios']:>6}{row['matters']:>6}"
                f"{row['requirements']:>7}{row['exempt']:>7}{'' if share is None else f'{share:.0%}':>9}"
            )


def checklist_card(checklist: dict[str, Any], notice: dict[str, Any] | None = None) -> dict[str, Any]:
    """The checklist as a compact structured card for the web widget (and the staff console), with
    its citation, the one-time notice's links when one was issued, and the feedback buttons."""

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
    card = {
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
    return card | {
        "citation": checklist_citation(checklist),
        "notice": notice,
        "feedback": RATING_BUTTONS,
    }


def answer_footer(checklist: dict[str, Any], notice: dict[str, Any] | None) -> list[str]:
    """What follows a checklist in text (WeChat, WeCom, Telegram, REST): the notice's link, the
    feedback question, and the citation as the last line."""
    lines = [f"一次告知单（可打印、存 PDF）：{notice['url']}"] if notice else []
    lines.append(FEEDBACK_QUESTION)
    lines.append(checklist_citation(checklist)["line"])
    return lines


# -- answers people can act on: citations, the one-time notice, the SMS ----------------------------


def answers_in_words(scenario: dict[str, Any] | None, answers: dict[str, Any]) -> list[dict[str, str]]:
    """``{"parents_ethnicity": "same"}`` → ``[{"question": "…同一民族？", "answer": "同一民族"}]``."""
    questions = {q["id"]: q for q in (scenario or {}).get("questions") or []}
    said = []
    for qid, oid in (answers or {}).items():
        question = questions.get(qid) or {}
        option: dict[str, Any] = next((o for o in question.get("options") or [] if o.get("id") == oid), {})
        said.append({"question": question.get("text") or qid, "answer": option.get("label") or str(oid)})
    return said


def days_text(value: Any) -> str:
    """A promised time limit; the guides give a number without a unit, which is almost always working days."""
    return f"{value:g} 个工作日" if isinstance(value, (int, float)) else "指南未写明"


def version_text(version: dict[str, Any] | None) -> str:
    return f"材料库 v{version['number']}（{version['date']}）" if version else "材料库版本未记录"


def citation(guide: str, official_url: str | None, version: dict[str, Any] | None) -> dict[str, Any]:
    """Where an answer comes from, as one short line (every channel) and its parts (the widget
    shows the line and expands to the parts): the guide, its official URL, the registry version."""
    where = f"{guide} {official_url}" if official_url else guide
    return {
        "type": "citation",
        "line": f"来源：{where} · {version_text(version)}",
        "guide": guide,
        "url": official_url,
        "version": version,
    }


def scenario_citation(scenario: dict[str, Any]) -> dict[str, Any]:
    """The citation of an answer read from one scenario's guide (a checklist or a scenario document)."""
    return citation(
        f"《{scenario['name']}》办事指南",
        (scenario.get("source") or {}).get("official_url"),
        scenario.get("registry_version"),
    )


def catalogue_citation(material: dict[str, Any]) -> dict[str, Any]:
    """The citation of what the standard material catalogue says of a material outside any matter."""
    used = len(material.get("used_by") or [])
    guide = f"材料库标准材料目录（汇总自 {used} 个事项的办事指南）" if used else "材料库标准材料目录"
    return citation(guide, None, material.get("registry_version"))


def checklist_citation(checklist: dict[str, Any]) -> dict[str, Any]:
    return scenario_citation(
        checklist["scenario"]
        | {"source": checklist.get("source"), "registry_version": checklist.get("registry_version")}
    )


def _status_detail(item: dict[str, Any]) -> str:
    """What a person needs to know about one material besides its name, by its status."""
    status = item["status"]
    if status == "to_submit":
        detail = _where(item) or (
            ISSUER_KIND_LABELS["applicant"]
            if item.get("issuer_kind") == "applicant"
            else "指南未写明由谁出具"
        )
        if item.get("submit_once"):
            detail += "；上传一次后可在个人中心复用"
    elif status == "exempt":
        detail = item["exemption"]["reason"]
    elif status == "reusable":
        reuse = item["reuse"]
        detail = f"您于 {reuse['submitted_at']} 提交过" + (
            f"（{reuse['channel']}）" if reuse.get("channel") else ""
        )
    else:
        text = (item.get("condition") or {}).get("text")
        detail = f"按您的情况不需要（{text}）" if text else "按您的情况不需要"
    return detail + _condition(item)


def notice_groups(checklist: dict[str, Any]) -> list[dict[str, Any]]:
    """Every material of the checklist once, grouped as the notice lists them: still to submit (by
    issuer), reusable, exempt, not needed; each with its status and where to get it."""
    items = checklist["items"]

    def entry(item: dict[str, Any]) -> dict[str, Any]:
        role = f"（{'、'.join(item['roles'])}）" if item.get("roles") else ""
        return {
            "material": item["material"],
            "name": item["name"] + role,
            "status": item["status"],
            "status_label": STATUS_LABELS[item["status"]],
            "depends_on_situation": bool(_condition(item)),
            "detail": _status_detail(item),
        }

    groups = [
        {"status": "to_submit", "label": f"还需提交 · {g['label']}", "items": [entry(i) for i in g["items"]]}
        for g in checklist.get("to_submit_by_issuer") or []
    ]
    for status, label in (
        ("reusable", "您已提交过，可直接复用"),
        ("exempt", "免提交（无需您准备）"),
        ("not_applicable", "按您的情况不需要"),
    ):
        chosen = [entry(i) for i in items if i["status"] == status]
        if chosen:
            groups.append({"status": status, "label": label, "items": chosen})
    return groups


def notice_words(checklist: dict[str, Any], scenario: dict[str, Any]) -> dict[str, Any]:
    """The one-time notice (一次告知单) as words, section by section; bot/notice/page.py lays it out.

    Everything comes from the checklist and the scenario's registry document; a field the
    guide leaves empty says so instead of being filled in. A matter's guide (``kind`` matter) is
    one matter of one department: its department leads, its own row is the one matter, and its
    official guide page is where to apply online."""
    contact = scenario.get("contact") or {}
    matter = scenario.get("kind") == "matter"
    matters = [
        {
            "name": m["name"],
            "department": (m.get("department") or "指南未写明")
            + ("（由事项名称推断）" if m.get("department_inferred") else ""),
            "days": days_text(m.get("promised_days")),
        }
        for m in scenario.get("matters") or []
    ]
    if matter:
        matters = [
            {
                "name": scenario.get("name") or checklist["scenario"]["name"],
                "department": scenario.get("handling_department")
                or scenario.get("department")
                or "指南未写明",
                "days": days_text(scenario.get("promised_days")),
            }
        ]
    lead = scenario.get("lead_department") or (scenario.get("department") if matter else None)
    online_url = contact.get("online_url") or (
        (scenario.get("source") or {}).get("official_url") if matter else None
    )
    steps = [s.strip() for s in (scenario.get("process") or "").replace("→", "->").split("->") if s.strip()]
    return {
        "scenario": checklist["scenario"]["name"],
        "region": scenario.get("area") or scenario.get("region") or "指南未写明",
        "answers": answers_in_words(scenario, checklist.get("answers") or {}),
        "unanswered": [
            {"question": q["text"], "options": "、".join(o["label"] for o in q["options"])}
            for q in checklist.get("unanswered") or []
        ],
        "summary": summary_line(checklist["summary"]),
        "incomplete": checklist.get("materials_incomplete"),
        "groups": notice_groups(checklist),
        "lead_department": lead or "指南未写明",
        "cooperating_departments": "、".join(scenario.get("cooperating_departments") or [])
        or ("不涉及（单一事项）" if matter else "指南未写明"),
        "matters": matters,
        "days": days_text(scenario.get("promised_days")),
        "steps": steps,
        "online_url": online_url,
        "service_points": [
            {
                "name": p.get("name") or "",
                "address": p.get("address") or "指南未写明",
                "hours": p.get("hours") or "指南未写明",
            }
            for p in scenario.get("service_points") or []
        ],
        "consult_phone": contact.get("consult_phone"),
        "citation": checklist_citation(checklist),
    }


SMS_NAME_CHARS = 10  # the matter's name in each segment's header, cut to this many characters


def _sms_lines(checklist: dict[str, Any], scenario: dict[str, Any], url: str | None) -> list[tuple[str, ...]]:
    """The notice's content as short lines that each stand alone, each in its forms from the most to
    the least detailed: the counts, every material still to submit (with where to get it when that
    fits), what is reusable or exempt, the time limit, the consult phone, the notice's link."""
    s = checklist["summary"]
    counts = [f"{label}{s[key]}项" for key, label in (("exempt", "免交"), ("reusable", "可复用")) if s[key]]
    lines: list[tuple[str, ...]] = [
        (f"共需{s['total']}项材料：" + "，".join([*counts, f"还需交{s['to_submit']}项"]),)
    ]
    if checklist.get("materials_incomplete"):
        lines.append(("指南材料清单不全，以窗口告知为准",))
    for group in checklist.get("to_submit_by_issuer") or []:
        for item in group["items"]:
            short = f"需交：{item['name']}" + ("（视情况）" if _condition(item) else "")
            where = _where(item) if item.get("issuer_kind") != "applicant" else ""  # self-made: no issuer
            lines.append((f"{short}，{where}", short) if where else (short,))
    for status, lead in (("reusable", "可复用："), ("exempt", "免交：")):
        names = [i["name"] for i in checklist["items"] if i["status"] == status]
        if names:
            lines.append((lead + "、".join(names), f"{lead}{len(names)}项，见完整告知单"))
    lines.append((f"承诺时限：{days_text(scenario.get('promised_days'))}",))
    if (scenario.get("contact") or {}).get("consult_phone"):
        lines.append((f"咨询电话：{scenario['contact']['consult_phone']}",))
    if url:
        lines.append((f"完整告知单：{url}",))
    return lines


def _pack(lines: list[tuple[str, ...]], room: int) -> list[str]:
    """Lines into as few bodies of at most ``room`` characters as they fit, never cutting a line."""
    bodies: list[str] = []
    for forms in lines:
        piece = next((f for f in forms if len(f) <= room), forms[-1][: room - 1] + "…")
        if bodies and len(bodies[-1]) + 1 + len(piece) <= room:
            bodies[-1] += "；" + piece
        else:
            bodies.append(piece)
    return bodies


def sms_segments(
    checklist: dict[str, Any], scenario: dict[str, Any], url: str | None = None, limit: int = 70
) -> list[str]:
    """The notice as SMS segments of at most ``limit`` characters, numbered, each standing alone:
    every segment starts with the matter and its number (【新生儿出生一件事 2/4】), and no line
    (one material) is cut; a line gives up its detail (where to get it) before it would be."""
    lines = _sms_lines(checklist, scenario, url)
    need = max(len(forms[-1]) for forms in lines)
    name = checklist["scenario"]["name"][:SMS_NAME_CHARS]
    for digits in (1, 2, 3):
        header = len(f"【{name} {'9' * digits}/{'9' * digits}】")
        if limit - header < need:  # a long material name: the header gives way first
            name = name[: max(4, len(name) - (need - (limit - header)))]
            header = len(f"【{name} {'9' * digits}/{'9' * digits}】")
        bodies = _pack(lines, limit - header)
        if len(str(len(bodies))) <= digits:
            return [f"【{name} {k}/{len(bodies)}】{body}" for k, body in enumerate(bodies, 1)]
    raise ValueError("a notice too long for SMS")
