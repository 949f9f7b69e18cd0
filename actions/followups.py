"""Follow-up questions about one material or about the matter: why exempt, where to get it,
how long, which departments, where to apply. Every answer comes from the registry.

A question that names another entry (开办餐饮店一件事办理时限多久, 护照换发要多久) is about that
entry: the conversation moves to it (slots ``scenario``/``identified``) and the question is
answered for it. The matters' provincial guides carry no phones or halls: the answers say where
to ask instead (the official guide, the hotline)."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.cited import say_cited
from actions.context import apologise_unavailable, registry, verified_citizen
from actions.entries import (
    CATALOGUE,
    MATTER,
    NO_MATERIAL_LIST,
    another_entry,
    catalogue_answer,
    catalogue_entry,
    detail,
    guide,
    settled_on,
    where_to_ask,
)
from actions.entries import catalogue_citation as catalogue_entry_citation
from bot.registry.async_client import RegistryUnavailable
from bot.registry.checklist import ISSUER_KIND_LABELS
from bot.render import catalogue_citation, checklist_citation, days_text, scenario_citation
from bot.settings import get_settings

INFO_INTENTS = ("ask_duration", "ask_departments", "ask_where_apply")

STATUS_TEXT = {
    "exempt": "不用您提交",
    "reusable": "您以前提交过，可以直接复用",
    "to_submit": "需要您提交",
    "not_applicable": "按您说的情况，这项不需要",
}


async def _material_from(tracker: Tracker) -> dict[str, Any] | None:
    """The material the person asks about: the lookup entity (mapped to an id), else a registry search."""
    for value in tracker.get_latest_entity_values("material"):
        found = await registry.material(value)
        if found:
            return found
        hits = await registry.search_materials(value, 1)
        if hits:
            return hits[0]
    return None


async def moved_to_named(tracker: Tracker) -> tuple[str, dict[str, Any], list[EventType]] | None:
    """The entry a question names when it is not the one being discussed: (kind, doc, slot events);
    the conversation moves to it, its situation answers starting afresh."""
    entry = another_entry(tracker)
    if entry is None:
        return None
    doc = await (catalogue_entry(entry.id) if entry.kind == CATALOGUE else guide(entry.id))
    if doc is None:
        return None
    kind = CATALOGUE if entry.kind == CATALOGUE else doc.get("kind") or entry.kind
    return kind, doc, settled_on(kind, doc)


async def current_entry(tracker: Tracker) -> tuple[str, dict[str, Any]] | None:
    """The entry being discussed: the guide of slot ``scenario``, else a catalogue-only entry."""
    scenario_id = tracker.get_slot("scenario")
    if scenario_id:
        doc = await guide(scenario_id)
        return (doc.get("kind") or "scenario", doc) if doc else None
    said = tracker.get_slot("identified") or {}
    if said.get("kind") == CATALOGUE and said.get("id"):
        doc = await catalogue_entry(said["id"])
        return (CATALOGUE, doc) if doc else None
    return None


class ActionAnswerMaterial(Action):
    def name(self) -> str:
        return "action_answer_material"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[EventType]:
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        scenario = tracker.get_slot("scenario")
        moved: list[EventType] = []
        try:
            material = await _material_from(tracker)
            named = await moved_to_named(tracker)
            if named:
                kind, doc, moved = named
                if material and material["name"] in doc["name"]:
                    material = None  # 办护照要带什么 (护照 in 普通护照签发): the matter, not a material
                if kind == CATALOGUE:
                    say_cited(dispatcher, catalogue_answer(doc), catalogue_entry_citation(doc))
                    return moved
                if material is None and intent != "ask_why_exempt" and not tracker.active_loop_name:
                    # 办护照要带什么: the checklist of the matter named is the answer.
                    return [FollowupAction("action_identify_scenario")]
                scenario = doc["id"]
            checklist = None
            if scenario:
                answers = {} if moved else tracker.get_slot("answers") or {}
                checklist = await registry.checklist(scenario, answers, verified_citizen(tracker))
        except RegistryUnavailable:
            apologise_unavailable(dispatcher)
            return []
        if material is None:
            if intent == "ask_why_exempt" and checklist:
                say_cited(dispatcher, self._all_exempt(checklist), checklist_citation(checklist))
            else:
                dispatcher.utter_message(response="utter_which_material")
            return moved
        cite = checklist_citation(checklist) if checklist else catalogue_citation(material)
        say_cited(dispatcher, self._about(material, checklist), cite)
        return [*moved, SlotSet("material", material["id"])]

    @staticmethod
    def _all_exempt(checklist: dict[str, Any]) -> str:
        exempt = [i for i in checklist["items"] if i["status"] == "exempt"]
        if not exempt:
            return f"「{checklist['scenario']['name']}」的指南里没有标明免提交的材料。"
        lines = [f"「{checklist['scenario']['name']}」里这些材料不用您交："]
        lines += [
            f"• {i['name']}：{i['exemption']['reason']}（指南原文：{i['exemption']['official_text']}）"
            for i in exempt
        ]
        return "\n".join(lines)

    @staticmethod
    def _about(material: dict[str, Any], checklist: dict[str, Any] | None) -> str:
        name = material["name"]
        item = None
        if checklist:
            item = next((i for i in checklist["items"] if i["material"] == material["id"]), None)
        if checklist and item:
            line = f"在「{checklist['scenario']['name']}」里，{name}{STATUS_TEXT[item['status']]}。"
            if item["status"] == "exempt":
                line += f"原因：{item['exemption']['reason']}。指南原文：{item['exemption']['official_text']}"
            elif item["status"] == "reusable":
                line += f"（您于 {item['reuse']['submitted_at']} 提交过。）"
            elif item["status"] == "to_submit":
                where = item.get("obtain_from") or item.get("issuer")
                line += f"去哪开：{where}。" if where else "指南没有写明由谁出具。"
                if (item.get("condition") or {}).get("met") is None and "condition" in item:
                    line += f"这项视情况提交：{item['condition'].get('text') or '指南未写明条件'}。"
            return line
        if checklist:
            line = f"「{checklist['scenario']['name']}」的指南里没有要求{name}。"
        else:
            line = f"{name}：由{ISSUER_KIND_LABELS[material['issuer_kind']]}"
            line += f"（{material['issuer']}）。" if material.get("issuer") else "。"
        used = [s["name"] for s in material.get("used_by") or []]
        if used:
            line += f"需要它的事项有：{'、'.join(used[:6])}{'等' if len(used) > 6 else ''}。告诉我您要办哪件事，我可以说清楚要不要交。"
        return line


class ActionAnswerScenarioInfo(Action):
    """How long, which departments, where to apply: for the entry the question names, else the
    one being discussed (a scenario, a matter, or a catalogue-only entry)."""

    def name(self) -> str:
        return "action_answer_scenario_info"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[EventType]:
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        events: list[EventType] = []
        try:
            named = await moved_to_named(tracker)
            if named:
                kind, doc, events = named
            else:
                found = await current_entry(tracker)
                if found is None and not tracker.get_slot("scenario"):
                    dispatcher.utter_message(response="utter_which_matter")
                    return []
                kind, doc = found or ("", {})
        except RegistryUnavailable:
            apologise_unavailable(dispatcher)
            return []
        if not doc:
            dispatcher.utter_message(response="utter_out_of_scope")
            return []
        if kind == CATALOGUE:
            say_cited(dispatcher, catalogue_info(doc, intent), catalogue_entry_citation(doc))
        else:
            say_cited(dispatcher, info_answer(doc, intent), scenario_citation(doc))
        return events


def info_answer(doc: dict[str, Any], intent: str | None) -> str:
    """The answer to 要多久 / 哪些部门 / 在哪办 from a scenario's or a matter's guide."""
    matter = doc.get("kind") == MATTER
    answer = {
        "ask_duration": _matter_duration if matter else _duration,
        "ask_departments": _matter_departments if matter else _departments,
    }.get(intent or "", _matter_where if matter else _where)
    return answer(doc)


def catalogue_info(doc: dict[str, Any], intent: str | None) -> str:
    """A catalogue-only entry: its department is known; time limits and halls are in its guide only."""
    if intent == "ask_departments" and doc.get("department"):
        return (
            f"「{doc['name']}」的办理部门：{doc['department']}。"
            f"{NO_MATERIAL_LIST}，更多信息请看{where_to_ask(doc)}。"
        )
    if intent == "ask_duration":
        return f"「{doc['name']}」的办理时限不在我们的材料库里。请看{where_to_ask(doc)}。"
    return catalogue_answer(doc)


def _duration(s: dict[str, Any]) -> str:
    lines = [f"「{s['name']}」承诺办结时限：{days_text(s.get('promised_days'))}。"]
    timed = [m for m in s.get("matters") or [] if m.get("promised_days") is not None]
    if timed:
        lines.append(
            "其中各事项：" + "；".join(f"{m['name']} {days_text(m['promised_days'])}" for m in timed)
        )
    reform = s.get("reform") or {}
    if reform.get("before_days") is not None and reform.get("after_days") is not None:
        lines.append(
            f"改革前后：办理时限 {reform['before_days']} → {reform['after_days']}，"
            f"跑动 {reform.get('before_visits', '?')} → {reform.get('after_visits', '?')} 次。"
        )
    return "\n".join(lines)


def _departments(s: dict[str, Any]) -> str:
    lines = []
    if s.get("lead_department"):
        lines.append(f"牵头部门：{s['lead_department']}")
    if s.get("cooperating_departments"):
        lines.append(f"协同部门：{'、'.join(s['cooperating_departments'])}")
    matters = [m for m in s.get("matters") or [] if m.get("department")]
    if matters:
        lines.append(
            "各事项经办（部门由事项名称推断，仅供参考）："
            + "；".join(f"{m['name']}（{m['department']}）" for m in matters)
        )
    if not lines:
        return f"「{s['name']}」的指南没有写明办理部门。请拨打 {get_settings().contact.hotline} 咨询。"
    return (
        f"「{s['name']}」：\n" + "\n".join(lines) + "\n一件事一次办：您只需在一个入口提交，部门之间内部流转。"
    )


def _where(s: dict[str, Any]) -> str:
    contact = s.get("contact") or {}
    lines = [
        f"「{s['name']}」可以网上办：{contact['online_url']}"
        if contact.get("online_url")
        else f"「{s['name']}」的网上办理入口：{get_settings().contact.portal_url}"
    ]
    for point in (s.get("service_points") or [])[:3]:
        lines.append(
            f"线下：{point.get('name')}，{point.get('address')}；时间：{point.get('hours') or '未写明'}"
        )
    if contact.get("consult_phone"):
        lines.append(f"咨询电话：{contact['consult_phone']}")
    return "\n".join(lines)


def _matter_duration(m: dict[str, Any]) -> str:
    line = f"「{m['name']}」承诺办结时限：{days_text(m.get('promised_days'))}"
    if m.get("legal_days") is not None:
        line += f"；法定办结时限：{days_text(m['legal_days'])}"
    lines = [line + "。"]
    note = detail(m, "promised_days_note")
    if note:
        lines.append(f"指南说明：{note}")
    return "\n".join(lines)


def _matter_departments(m: dict[str, Any]) -> str:
    lines = []
    if m.get("department"):
        lines.append(f"主管部门：{m['department']}")
    if m.get("handling_department"):
        lines.append(f"办理机构：{m['handling_department']}")
    if m.get("implementation_level"):
        lines.append(f"实施层级：{m['implementation_level']}级")
    if not lines:
        return f"「{m['name']}」的指南没有写明办理部门。请看{where_to_ask(m)}。"
    return f"「{m['name']}」：\n" + "\n".join(lines)


def _matter_where(m: dict[str, Any]) -> str:
    lines = []
    channels = detail(m, "handling_channels")
    if channels:
        lines.append(f"「{m['name']}」的办理渠道：{channels}。")
    if detail(m, "online") == "是":
        standard = detail(m, "online_standard")
        lines.append("可以网上办理" + (f"（{standard}）" if standard else "") + "。")
    where = m.get("handling_department") or m.get("department")
    if where:
        lines.append(
            f"办理机构：{where}"
            + (f"（{m['implementation_level']}级）" if m.get("implementation_level") else "")
        )
    reason = detail(m, "on_site_reason")
    if reason:
        lines.append(f"需到现场的原因：{reason}")
    for point in (m.get("service_points") or [])[:3]:
        lines.append(
            f"线下：{point.get('name')}，{point.get('address')}；时间：{point.get('hours') or '未写明'}"
        )
    if not (m.get("service_points") or (m.get("contact") or {}).get("consult_phone")):
        lines.append(f"指南没有写明窗口地址和咨询电话。{where_to_ask(m)}。")
    if not lines[0].startswith("「"):
        lines.insert(0, f"「{m['name']}」：")
    return "\n".join(lines)
