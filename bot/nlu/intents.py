"""What the model predicts, mapped to registry scenarios, and the decision to answer or ask.

Each registry scenario ``<id>`` has the intent ``scenario_<id>`` (training phrases
in ``data/nlu/scenarios/<id>.yml``; its domain entry and rules are generated from
the registry by ``python -m bot train``). ``scenario_of`` is the one explicit
mapping, and ``identify`` turns a parse result into "this one", "which of
these?" or "none of ours", for the bot, the CLI and the staff console alike.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

SCENARIO_PREFIX = "scenario_"
FALLBACK_INTENT = "nlu_fallback"


def scenario_of(intent: str | None) -> str | None:
    """``scenario_newborn`` → ``newborn``; any other intent → None."""
    if intent and intent.startswith(SCENARIO_PREFIX):
        return intent[len(SCENARIO_PREFIX) :] or None
    return None


def intent_of(scenario_id: str) -> str:
    """``newborn`` → ``scenario_newborn``."""
    return SCENARIO_PREFIX + scenario_id


def leans_to(parse: dict[str, Any], intent: str, threshold: float = 0.3) -> bool:
    """The message is this intent, or the fallback's best guess is (是的 at 0.39 is still a yes)."""
    top = (parse.get("intent") or {}).get("name")
    if top == intent:
        return True
    if top != FALLBACK_INTENT:
        return False
    ranking = [r for r in parse.get("intent_ranking") or [] if r.get("name") != FALLBACK_INTENT]
    return bool(ranking) and ranking[0].get("name") == intent and ranking[0].get("confidence", 0) >= threshold


@dataclass(frozen=True)
class Thresholds:
    """When the bot names a scenario outright, when it asks, and when it says it cannot help."""

    # The top scenario must be this sure, and this far ahead of the runner-up, to answer outright.
    confident: float = 0.5
    margin: float = 0.2
    # "您是想办理…" is asked when the best candidate reaches ``plausible`` or the best few
    # together reach ``plausible_together`` (开个店: 餐饮店 0.14 + 超市 0.13); candidates
    # below ``candidate`` are not offered. Below all that the matter is treated as not ours.
    plausible: float = 0.15
    plausible_together: float = 0.25
    candidate: float = 0.05
    # How many candidates "您是想办理…" offers at most.
    offer: int = 3


@dataclass(frozen=True)
class Identification:
    """``scenario`` is the best candidate (None when the matter is not ours); ``decision``
    says whether to answer for it outright or to ask first."""

    decision: Literal["identified", "clarify", "none"]
    scenario: str | None
    confidence: float
    intent: str | None
    ranking: list[dict[str, Any]] = field(default_factory=list)


def scenario_ranking(parse: dict[str, Any]) -> list[dict[str, Any]]:
    """The intent ranking restricted to scenario intents, best first."""
    ranking = []
    for entry in parse.get("intent_ranking") or []:
        sid = scenario_of(entry.get("name"))
        if sid:
            ranking.append({"scenario": sid, "confidence": round(float(entry.get("confidence", 0.0)), 4)})
    ranking.sort(key=lambda r: r["confidence"], reverse=True)
    return ranking


def identify(
    parse: dict[str, Any], known: set[str] | None = None, thresholds: Thresholds = Thresholds()
) -> Identification:
    """Decide from one parse result (Rasa's /model/parse or a tracker's latest_message)."""
    intent = (parse.get("intent") or {}).get("name")
    ranking = [r for r in scenario_ranking(parse) if known is None or r["scenario"] in known]
    if not ranking:
        return Identification("none", None, 0.0, intent, [])
    top = ranking[0]
    second = ranking[1]["confidence"] if len(ranking) > 1 else 0.0
    shown = ranking[:3]
    about_a_scenario = scenario_of(intent) is not None or intent == FALLBACK_INTENT
    if (
        scenario_of(intent) == top["scenario"]
        and top["confidence"] >= thresholds.confident
        and top["confidence"] - second >= thresholds.margin
    ):
        return Identification("identified", top["scenario"], top["confidence"], intent, shown)
    best = ranking[: thresholds.offer]
    if about_a_scenario and (
        top["confidence"] >= thresholds.plausible
        or sum(r["confidence"] for r in best) >= thresholds.plausible_together
    ):
        offered = [r for r in best if r["confidence"] >= thresholds.candidate]
        return Identification("clarify", top["scenario"], top["confidence"], intent, offered)
    return Identification("none", None, top["confidence"], intent, shown)
