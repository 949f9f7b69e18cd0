"""Follow-up questions about one material or about the matter: why exempt, where to get it,
how long, which departments, where to apply. Every answer comes from the registry."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import texts
from actions.cited import say_cited
from actions.context import apologise_unavailable, registry, settings, verified_citizen
from bot.registry.checklist import ISSUER_KIND_LABELS
from bot.registry.client import RegistryUnavailable
from bot.render import catalogue_citation, checklist_citation, days_text, scenario_citation

STATUS_TEXT = {
    "exempt": "不用您提交",
    "reusable": "您以前提交过，可以直接复用",
    "to_submit": "需要您提交",
    "not_applicable": "按您说的情况，这项不需要",
}


async def _material_from(tracker: Tracker) -> dict[str, Any] | None:
    """The material the person asks about: the lookup entity (mapped to an id), else a registry search."""
    for value in tracker.get_latest_entity_values("material"):
        found = await registry.call(registry.material, value)
        if found:
            return found
        hits = await registry.call(registry.search_materials, value, 1)
        if hits:
            return hits[0]
    return None


class ActionAnswerMaterial(Action):
    def name(self) -> str:
        return "action_answer_material"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[EventType]:
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        scenario = tracker.get_slot("scenario")
        try:
            material = await _material_from(tracker)
            checklist = None
            if scenario:
                checklist = await registry.call(
                    registry.checklist, scenario, tracker.get_slot("answers") or {}, verified_citizen(tracker)
                )
        except RegistryUnavailable:
            apologise_unavailable(dispatcher)
            return []
        if material is None:
            if intent == "ask_why_exempt" and checklist:
                say_cited(dispatcher, self._all_exempt(checklist), checklist_citation(checklist))
            else:
                dispatcher.utter_message(text=texts.WHICH_MATERIAL)
            return []
        cite = checklist_citation(checklist) if checklist else catalogue_citation(material)
        say_cited(dispatcher, self._about(material, checklist), cite)
        return [SlotSet("material", material["id"])]

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
    def name(self) -> str:
        return "action_answer_scenario_info"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[EventType]:
        scenario_id = tracker.get_slot("scenario")
        if not scenario_id:
            dispatcher.utter_message(text=texts.WHICH_MATTER)
            return []
        try:
            scenario = await registry.call(registry.scenario, scenario_id)
        except RegistryUnavailable:
            apologise_unavailable(dispatcher)
            return []
        if scenario is None:
            dispatcher.utter_message(response="utter_out_of_scope")
            return []
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        answer = {
            "ask_duration": self._duration,
            "ask_departments": self._departments,
        }.get(intent, self._where)(scenario)
        say_cited(dispatcher, answer, scenario_citation(scenario))
        return []

    @staticmethod
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

    @staticmethod
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
            return f"「{s['name']}」的指南没有写明办理部门。请拨打 {settings.hotline} 咨询。"
        return (
            f"「{s['name']}」：\n"
            + "\n".join(lines)
            + "\n一件事一次办：您只需在一个入口提交，部门之间内部流转。"
        )

    @staticmethod
    def _where(s: dict[str, Any]) -> str:
        contact = s.get("contact") or {}
        lines = [
            f"「{s['name']}」可以网上办：{contact['online_url']}"
            if contact.get("online_url")
            else f"「{s['name']}」的网上办理入口：{settings.portal_url}"
        ]
        for point in (s.get("service_points") or [])[:3]:
            lines.append(
                f"线下：{point.get('name')}，{point.get('address')}；时间：{point.get('hours') or '未写明'}"
            )
        if contact.get("consult_phone"):
            lines.append(f"咨询电话：{contact['consult_phone']}")
        return "\n".join(lines)
