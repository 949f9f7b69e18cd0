"""The registry entries a conversation can be about, of every kind, and what the bot says of each
besides a checklist: a one-thing scenario, a matter (both have a material list and a checklist),
or a matter the portal's catalogue lists without a material list (an honest answer, no checklist).

A scenario or matter id is what ``POST /checklist`` takes (slot ``scenario``); slot ``identified``
says ``{"kind", "id", "name"}`` of the latest entry, a catalogue-only one included.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet

from actions.context import registry, scenario_names
from bot.nlu.intents import identify, named_entry
from bot.render import citation
from bot.settings import get_settings

SCENARIO, MATTER, CATALOGUE = "scenario", "matter", "catalogue"
MATERIAL_INTENTS = ("ask_material", "ask_why_exempt")
NO_MATERIAL_LIST = "这项事项的申请材料清单不在我们的材料库里"

# Names of entries offered as candidates, by id: the buttons of "您是想办理…" need them, and the
# identification that offered them knew them (the registry is asked when this process did not).
_seen_names: dict[str, str] = {}


def remember(candidates: list[Any]) -> None:
    """Keep the names of the candidates just offered (``Candidate``s of bot/nlu/intents.py)."""
    for c in candidates:
        if c.name and c.name != c.id:
            _seen_names[c.id] = c.name


def another_entry(tracker: Tracker) -> Any | None:
    """The entry the latest message names, when it is not the one being discussed (a ``Candidate``).

    Named: the message holds its official name or an alias (bot/nlu/intents.py ``named_entry``);
    else, except for a question about a material, the entry identified outright. 身份证要交吗
    during 新生儿出生一件事 asks about a material of this matter, not for 居民身份证申领: a name
    that only repeats the material asked about does not change the subject."""
    parse = tracker.latest_message
    intent = (parse.get("intent") or {}).get("name")
    entry = named_entry(parse)
    if entry is None and intent not in MATERIAL_INTENTS:
        found = identify(parse)
        entry = found.entry if found.decision == "identified" else None
    current = tracker.get_slot("scenario")
    if entry is None or entry.id in (current, (tracker.get_slot("identified") or {}).get("id")):
        return None
    if intent in MATERIAL_INTENTS and current:
        text = parse.get("text") or ""
        spans = [text[e["start"] : e["end"]] for e in parse.get("entities") or [] if "start" in e]
        if any(span and span in entry.name for span in spans):
            return None
    return entry


def identified(kind: str, entry_id: str, name: str) -> dict[str, str]:
    return {"kind": kind, "id": entry_id, "name": name}


async def guide(entry_id: str) -> dict[str, Any] | None:
    """The document of a scenario or a detailed matter (``doc["kind"]``), None for anything else."""
    return await registry.scenario(entry_id)


async def catalogue_entry(entry_id: str) -> dict[str, Any] | None:
    """``GET /matters/{id}``: a detailed matter, or a catalogue-only entry (``materials_known`` false)."""
    return await registry.matter(entry_id)


async def resolve(entry_id: str) -> tuple[str, dict[str, Any]] | None:
    """Any id the bot may hold (scenario, matter, catalogue service_id) → (kind, its document)."""
    doc = await guide(entry_id)
    if doc is not None:
        return doc.get("kind") or SCENARIO, doc
    doc = await catalogue_entry(entry_id)
    if doc is not None:
        return (MATTER if doc.get("materials_known") else CATALOGUE), doc
    return None


async def name_of(entry_id: str) -> str:
    """An entry's name for a button: scenarios from the cached list, others as offered or asked."""
    names = await scenario_names.get()
    if entry_id in names:
        return names[entry_id]
    if entry_id not in _seen_names:
        found = await resolve(entry_id)
        _seen_names[entry_id] = found[1]["name"] if found else entry_id
    return _seen_names[entry_id]


def official_url(doc: dict[str, Any]) -> str | None:
    """The official guide on the provincial portal (a matter's and a catalogue entry's own page)."""
    return doc.get("official_url") or (doc.get("source") or {}).get("official_url")


def detail(doc: dict[str, Any], key: str) -> Any:
    """A matter fact the API may give at the top level or among ``details``."""
    value = doc.get(key)
    return value if value not in (None, "", []) else (doc.get("details") or {}).get(key)


def where_to_ask(doc: dict[str, Any]) -> str:
    """Where a person asks what the guide does not say: the guides carry no phones or halls."""
    contact = doc.get("contact") or {}
    url = contact.get("online_url") or official_url(doc) or get_settings().contact.portal_url
    phone = contact.get("consult_phone") or get_settings().contact.hotline
    return f"官方办事指南：{url}；咨询请拨打 {phone}"


def catalogue_answer(doc: dict[str, Any]) -> str:
    """A matter known from the portal's catalogue only: what it is and where to go; no materials."""
    lines = [f"您问的是「{doc['name']}」。"]
    facts = []
    if doc.get("department"):
        facts.append(f"办理部门：{doc['department']}")
    if doc.get("matter_type"):
        facts.append(f"事项类型：{doc['matter_type']}")
    if facts:
        lines.append("；".join(facts) + "。")
    lines.append(f"{NO_MATERIAL_LIST}，我不想给您一份不准的清单。")
    url = official_url(doc)
    if url:
        lines.append(f"请查看湖南省政务服务网上的官方办事指南：{url}")
    else:
        lines.append(f"请到湖南省政务服务网（{get_settings().contact.portal_url}）查询办事指南。")
    contact = doc.get("contact") or {}
    lines.append(f"也可以拨打 {contact.get('consult_phone') or get_settings().contact.hotline} 咨询。")
    for point in (doc.get("service_points") or [])[:2]:
        lines.append(f"办事大厅：{point.get('name')}，{point.get('address') or '地址未写明'}")
    return "\n".join(lines)


def catalogue_citation(doc: dict[str, Any]) -> dict[str, Any]:
    return citation(
        f"湖南省政务服务网事项目录《{doc['name']}》", official_url(doc), doc.get("registry_version")
    )


async def bundling_offer(doc: dict[str, Any]) -> tuple[str, list[dict[str, str]]] | None:
    """A matter a one-thing scenario bundles: offer the whole scenario (the reform's point).

    "这件事可以和另外 N 件一起办：「…」", N = the scenario's other linked matters; one button per
    scenario, its payload the scenario's name (the matcher reads a name back exactly)."""
    if doc.get("kind") != MATTER:
        return None
    lines, buttons = [], []
    for sid in doc.get("related_scenarios") or []:
        scenario = await guide(sid)
        if scenario is None:
            continue
        others = len(scenario.get("matters") or []) - 1
        if others >= 1:
            lines.append(f"这件事可以和另外 {others} 件一起办：「{scenario['name']}」（一件事一次办）")
        else:
            lines.append(f"这件事也可以在「{scenario['name']}」里一起办（一件事一次办）")
        buttons.append({"title": scenario["name"], "payload": scenario["name"]})
    if not lines:
        return None
    return "\n".join(lines), buttons


def settled_on(kind: str, doc: dict[str, Any], answers: dict | None = None) -> list[EventType]:
    """The slots of a conversation now about this entry (its questions' answers start afresh)."""
    return [
        SlotSet("scenario", doc["id"] if kind in (SCENARIO, MATTER) else None),
        SlotSet("identified", identified(kind, doc["id"], doc["name"])),
        SlotSet("answers", answers or {}),
        SlotSet("candidates", None),
        SlotSet("chosen_scenario", None),
        SlotSet("current_question", None),
        SlotSet("condition_answer", None),
    ]
