"""What the model and the registry matcher say about a message, and the decision on it.

Two readers of one message: the trained intents (a life-event scenario described in a
person's own words has the intent ``scenario_<id>``, phrases in ``data/nlu/scenarios/``),
and the registry matcher (``bot.nlu.registry_matcher``: every scenario, matter and
catalogue entry ranked by the words of the message, in the parse under ``registry``).
``identify`` combines them into one decision for the bot, the CLI and the staff console:

* ``identified``: this entry (a scenario, a detailed matter or a catalogue-only entry);
* ``clarify``: "您是想办理以下哪件事？" with the close candidates, any kind;
* ``vague``: 我想办个证 — ask back with families of matters (``data/nlu/families.yml``);
* ``none``: nothing in the registry covers it (天气, 彩票, 找对象).

A message that holds an entry's official name or alias names it: it is never missed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from bot.nlu.interruptions import load_interruptions
from bot.settings import ROOT

SCENARIO_PREFIX = "scenario_"
FALLBACK_INTENT = "nlu_fallback"
VAGUE_INTENT = "vague_request"
OUT_OF_SCOPE_INTENT = "out_of_scope"
# The model's reading "one of the registry's matters" (trained on their names and aliases,
# ``bot.nlu.build``): which one is the matcher's to say.
MATTER_INTENT = "registry_matter"
# Set in the parse by bot.nlu.known_phrases when the message is word for word a training phrase
# of a conversation intent (转人工, 要多久): the message is that intent, and names no entry.
KNOWN_PHRASE_KEY = "known_phrase"
FAMILIES = ROOT / "data" / "nlu" / "families.yml"
# Words that ask for the one-thing bundle, not one matter (能一起办吗, 一站式), and phrases that
# hold them but do not (一次性补助金, 全部取出来, 需要哪些材料).
TOGETHER = ROOT / "data" / "nlu" / "together.yml"


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
    """When the bot names an entry outright, when it asks, and when it says it cannot help."""

    # The model's scenario intent alone: this sure, and this far ahead of the runner-up.
    confident: float = 0.5
    margin: float = 0.2
    # The combined score (matcher score + model_weight × the model's scenario confidence)
    # of the best entry must reach ``identify_at`` and lead the runner-up by ``lead`` …
    model_weight: float = 0.5
    identify_at: float = 0.45
    lead: float = 0.1
    # … otherwise "您是想办理…" is asked when it reaches ``plausible``, offering the entries
    # within ``close`` of it (at least ``candidate``); below that the matter is not ours.
    plausible: float = 0.2
    close: float = 0.2
    candidate: float = 0.12
    # When the model is this sure that the message asks for one of the registry's matters
    # (``registry_matter``), "not ours" would contradict it: the close candidates are offered
    # from ``matter_plausible`` on.
    matter_sure: float = 0.8
    matter_plausible: float = 0.15
    # A confident model scenario is overruled by an entry it does not bundle that the words
    # point to this clearly (this score, this far above the scenario's own).
    overrule_at: float = 0.58
    overrule_by: float = 0.25
    # … when the model is below ``overrule_unsure``; above it, only at ``overrule_sure``.
    overrule_unsure: float = 0.8
    overrule_sure: float = 0.85
    # A matter the scenario bundles overrules it on the same terms: 社保卡丢了要挂失 is the
    # matter 社会保障卡挂失, answered as such; the action then offers the whole scenario.
    bundled_overrules: bool = True
    # … and more readily, since the scenario is offered with it: this score, this far above the
    # scenario's own.
    part_at: float = 0.5
    part_by: float = 0.2
    # An unsure model's scenario counts for nothing when the matcher's best entry scores this
    # much and this far above the scenario's own score.
    specific_at: float = 0.4
    specific_by: float = 0.1
    # A named entry is the answer unless an unnamed one scores within this of it (then ask).
    named_close: float = 0.03
    # A vague-request intent with a best entry below this is vague.
    vague_below: float = 0.55
    # Intents that are not about a matter (greet, out_of_scope, ask_duration …) need a
    # matcher score this high before an entry is taken from the words alone.
    other_intent: float = 0.35
    out_of_scope: float = 0.7
    # The model's scenario confidences are multiplied by 1 − this × the share of the message
    # that is English the lexicon could not translate (0: the model is read as it is).
    # Off: 1.0 helped English on the development set (top-1 0.410 → 0.513), but the one look
    # at the held-out sets showed their English scenario messages falling from 0.900 to 0.725
    # (docs/eval/README.md); the model reads English life events better than that suggested.
    untranslated_discount: float = 0.0
    # Close candidates the learned re-ranker separates this surely (its probability, this far
    # above the next) are answered, not asked about: on the development sets such answers were
    # right as often as the rules' own (0.79 and 0.77 of the time).
    rerank_sure: float = 0.8
    rerank_by: float = 0.3
    # Below ``plausible``, a message is still asked about when the detailed entries' classifier
    # scores an entry this high (its boundary is 0). Chosen on the development sets: from -0.2
    # to -0.55 alike (wrong "not ours" 0.229 → 0.217 of them, nothing lost; 0 changed nothing);
    # -0.65 lost a message nothing covers. The catalogue's classifier changed nothing there, and is not asked.
    learnt_plausible: float = -0.4
    # How many candidates "您是想办理…" offers at most, how many families a vague request.
    offer: int = 3
    families: int = 6


@dataclass(frozen=True)
class Candidate:
    """One registry entry a message may mean."""

    id: str
    kind: str  # "scenario" | "matter" | "catalogue"
    name: str
    confidence: float


@dataclass(frozen=True)
class Identification:
    """The decision on one message; ``entry`` is the best candidate (None for none/vague)."""

    decision: Literal["identified", "clarify", "vague", "none"]
    entry: Candidate | None
    confidence: float
    intent: str | None
    candidates: list[Candidate] = field(default_factory=list)
    families: list[dict[str, str]] = field(default_factory=list)

    @property
    def scenario(self) -> str | None:
        """The entry's id when it is a one-thing scenario (compatibility with the 40-scenario bot)."""
        return self.entry.id if self.entry is not None and self.entry.kind == "scenario" else None

    @property
    def matter(self) -> str | None:
        """The entry's id when it is a matter (a detailed matter's id or a catalogue service_id)."""
        return self.entry.id if self.entry is not None and self.entry.kind != "scenario" else None

    @property
    def ranking(self) -> list[dict[str, Any]]:
        """The candidates as dicts; ``scenario`` repeats the id for older readers."""
        return [
            {"id": c.id, "kind": c.kind, "name": c.name, "confidence": c.confidence, "scenario": c.id}
            for c in self.candidates
        ]


@lru_cache(maxsize=4)
def _families(path: Path) -> tuple[dict[str, Any], ...]:
    import yaml

    data = yaml.safe_load(path.read_text(encoding="utf-8")) if path.exists() else {}
    return tuple(data.get("families") or ())


def families_for(text: str, limit: int = 6, path: Path = FAMILIES) -> list[dict[str, str]]:
    """The families of matters most likely meant: those the words mention first, then by order."""
    from bot.nlu.normalize import normalize

    cleaned = normalize(text or "")
    families = list(_families(path))
    hits = [sum(1 for k in f.get("keywords") or () if normalize(k) in cleaned) for f in families]
    order = sorted(range(len(families)), key=lambda i: (-hits[i], i))
    return [{"label": families[i]["label"], "text": families[i]["text"]} for i in order[:limit]]


def is_family_text(text: str, path: Path = FAMILIES) -> bool:
    """A family button's own text: answered with candidates, never with the families again."""
    return (text or "").strip() in {f.get("text") for f in _families(path)}


def scenario_ranking(parse: dict[str, Any]) -> list[dict[str, Any]]:
    """The intent ranking restricted to scenario intents, best first."""
    ranking: list[dict[str, Any]] = []
    for entry in parse.get("intent_ranking") or []:
        sid = scenario_of(entry.get("name"))
        if sid:
            ranking.append({"scenario": sid, "confidence": round(float(entry.get("confidence", 0.0)), 4)})
    ranking.sort(key=lambda r: r["confidence"], reverse=True)
    return ranking


def _matcher_ranking(parse: dict[str, Any]) -> list[dict[str, Any]] | None:
    registry = parse.get("registry")
    if not isinstance(registry, dict):
        return None
    return [r for r in registry.get("ranking") or [] if isinstance(r, dict) and r.get("id")]


def named_entry(parse: dict[str, Any], known: set[str] | None = None) -> Candidate | None:
    """The entry the message names (its official name or an alias is in it), or None.

    For a question about an entry (开办餐饮店一件事办理时限多久: intent ask_duration), the
    intent stays the question and this says which entry it is about.
    """
    for r in _matcher_ranking(parse) or []:
        if r.get("named") and _allowed(r, known):
            return Candidate(r["id"], r.get("kind") or "scenario", r.get("name") or r["id"], _score(r))
    return None


def _allowed(r: dict[str, Any], known: set[str] | None) -> bool:
    return known is None or r.get("kind") == "catalogue" or r["id"] in known


def _score(r: dict[str, Any]) -> float:
    return round(min(1.0, float(r.get("score") or 0.0)), 4)


def identify(
    parse: dict[str, Any], known: set[str] | None = None, thresholds: Thresholds = Thresholds()
) -> Identification:
    """Decide from one parse result (Rasa's /model/parse or a tracker's latest_message).

    ``known`` limits scenarios and matters to those ids (catalogue entries always pass). The
    rules below decide whether and how to answer; the learned re-ranker (``bot.nlu.rerank``)
    then orders the candidates, unless one of them is named by its official name. Where it
    prefers another entry than the rules answered, without being sure, the bot asks.
    """
    found = _decide(parse, known, thresholds)
    if found.decision not in ("identified", "clarify") or found.entry is None:
        return found
    ranked = [r for r in _matcher_ranking(parse) or [] if _allowed(r, known)]
    from bot.nlu.rerank import reorder

    order = reorder(parse, ranked)
    if not order:
        return found
    t = thresholds
    chosen = [r for _, r in order[: t.offer]]
    named = [r for _, r in order if r.get("named")]
    if named and not any(r.get("named") for r in chosen):
        # A named entry is never missed: the best of them takes the last place offered.
        chosen = [*chosen[: t.offer - 1], named[0]]
    probability = {id(r): p for p, r in order}
    offered = [_candidate(r, probability[id(r)]) for r in chosen]
    runner_up = offered[1].confidence if len(offered) > 1 else 0.0
    sure = offered[0].confidence >= t.rerank_sure and offered[0].confidence - runner_up >= t.rerank_by
    decision = found.decision
    if decision == "clarify" and sure:
        decision = "identified"
    elif decision == "identified" and offered[0].id != found.entry.id and not sure:
        # The rules and the re-ranker differ, and the re-ranker is not sure: ask, its best first.
        decision = "clarify"
    return Identification(decision, offered[0], offered[0].confidence, found.intent, offered)


def _decide(parse: dict[str, Any], known: set[str] | None, thresholds: Thresholds) -> Identification:
    """The rules: identified, clarify, vague or none, and the rules' own order of candidates."""
    intent = (parse.get("intent") or {}).get("name")
    matcher = _matcher_ranking(parse)
    if matcher is None:
        return _identify_by_intents(parse, intent, known, thresholds)
    t = thresholds
    text = parse.get("text") or ""
    # The intent model learnt Chinese phrases: the more of a message is English that the lexicon
    # could not translate, the less its reading counts (an English question about an invoice
    # came out as 社会保障卡 at 0.8); the words the lexicon did translate are the matcher's.
    untranslated = float((parse.get("registry") or {}).get("untranslated") or 0.0)
    trust = 1.0 - thresholds.untranslated_discount * untranslated
    model = {r["scenario"]: r["confidence"] * trust for r in scenario_ranking(parse)}
    ranked = [r for r in matcher if _allowed(r, known)]

    if not ranked:
        if leans_to(parse, VAGUE_INTENT):
            return Identification("vague", None, 0.0, intent, [], families_for(text, t.families))
        return Identification("none", None, 0.0, intent, [])
    best_unnamed = max((r for r in ranked if not r.get("named")), key=_score, default=None)
    bundle = _together_scenario(text, ranked, model, t)
    if bundle is not None:
        # 考完教资了，认定要体检、无犯罪证明、普通话证，能一起办吗: the one-thing scenario that does
        # them together, even where the message names its parts.
        score = min(1.0, _score(bundle) + t.model_weight * model.get(bundle["id"], 0.0))
        entry = _candidate(bundle, score)
        others = [_candidate(r, _score(r)) for r in ranked if r is not bundle][: t.offer - 1]
        return Identification("identified", entry, score, intent, [entry, *others])

    # Named: the message holds an entry's official name or alias. It is never missed: it is
    # the answer, or (when a more specific entry covers the message better, 退休了公积金怎么取
    # names 退休 but means the withdrawal) among the candidates.
    named = [r for r in ranked if r.get("named")]
    forced: dict[str, Any] | None = None
    model_sid = scenario_of(intent)
    sure = model.get(model_sid or "", 0.0) >= t.overrule_unsure
    if (
        named
        and intent == OUT_OF_SCOPE_INTENT
        and (parse.get("intent") or {}).get("confidence", 0.0) >= t.overrule_unsure
        and all(r.get("match") == "alias" for r in named)
    ):
        # 结婚纪念日送什么礼物: an alias (结婚) inside what the model surely reads as not ours.
        ranked = [r for r in ranked if not r.get("named")]
        named = []
        if not ranked:
            return Identification("none", None, 0.0, intent, [])
    if (
        sure
        and named
        and all(r["id"] != model_sid for r in named)
        and all(r.get("match") == "alias" or r["kind"] == "scenario" for r in named)
        and not any(model_sid in (r.get("scenarios") or ()) for r in named)
    ):
        # Another entry's alias (以旧换新, 改名) in a message the model reads surely as a life
        # event of its own (买皮卡以旧换新, 公司改名): one shared word does not outweigh it;
        # the aliased entry stays among the candidates.
        forced, named = max(named, key=_score), []
    if named:
        best = max(named, key=lambda r: _score(r) + t.model_weight * model.get(r["id"], 0.0))
        top = _score(best)
        same = [r for r in named if r is not best and r["name"] == best["name"]]
        if same:  # one name, several entries (死亡信息申报 ×3): ask which
            return _clarify([best, *same][: t.offer], intent)
        unnamed_top = _score(best_unnamed) if best_unnamed is not None else 0.0
        if unnamed_top <= top - t.named_close:
            entry = _candidate(best, top)
            others = [_candidate(r, _score(r)) for r in ranked if r is not best][: t.offer - 1]
            return Identification("identified", entry, top, intent, [entry, *others])
        if unnamed_top <= top:
            return _clarify([best, *[r for r in ranked if r is not best]][: t.offer], intent)
        forced = best

    vague = bool((parse.get("registry") or {}).get("vague")) or (
        leans_to(parse, VAGUE_INTENT) and _score(ranked[0]) < t.vague_below
    )
    if vague and forced is None and not is_family_text(text):
        return Identification("vague", None, 0.0, intent, [], families_for(text, t.families))

    if (parse.get("registry") or {}).get("specific") is False and forced is None and not is_family_text(text):
        # Nothing but generic words (找对象, 我要补个证): whatever they match, no entry is meant.
        if leans_to(parse, VAGUE_INTENT):
            return Identification("vague", None, 0.0, intent, [], families_for(text, t.families))
        if model.get(model_sid or "", 0.0) < t.confident:  # unless the model reads a life event
            return Identification("none", None, 0.0, intent, [])
    matcher_top = max(_score(r) for r in ranked)
    if model_sid and (known is None or model_sid in known):
        # The model names a life event outright (我老婆刚生了孩子: trained phrases). It stands
        # unless the words clearly mean an entry the scenario does not bundle (护照过期了 is
        # not 居民信息变更, however sure the model is: it never saw the matters).
        p = model.get(model_sid, 0.0)
        rest_p = sorted((c for s, c in model.items() if s != model_sid), reverse=True)
        own_r = next((r for r in ranked if r["id"] == model_sid), None)
        own = _score(own_r) if own_r else 0.0
        rival = max((r for r in ranked if r["id"] != model_sid), key=_score, default=None)
        part = max((r for r in ranked if model_sid in (r.get("scenarios") or ())), key=_score, default=None)
        overruled = (
            rival is not None
            and (t.bundled_overrules or model_sid not in (rival.get("scenarios") or ()))
            and _score(rival) - own >= t.overrule_by
            and (
                (p < t.overrule_unsure and _score(rival) >= t.overrule_at) or _score(rival) >= t.overrule_sure
            )
        ) or (
            # One of the scenario's own matters that the words name more exactly than the whole
            # scenario (残疾证快到期了: 残疾人证换领, in 残疾人服务一件事): answered as the matter, and
            # the action offers the scenario. The model learnt such words as the scenario's.
            part is not None
            and t.bundled_overrules
            and _score(part) >= t.part_at
            and _score(part) - own >= t.part_by
            and not asks_together(text, ranked, model_sid)
        )
        if (
            own_r is not None
            and not overruled
            and p >= t.confident
            and p - (rest_p[0] if rest_p else 0.0) >= t.margin
        ):
            entry = _candidate(own_r, min(1.0, own + t.model_weight * p))
            next_best = sorted((r for r in ranked if r is not own_r), key=lambda r: _score(r), reverse=True)[
                : t.offer - 1
            ]
            if forced is not None and forced is not own_r and forced not in next_best:
                next_best = [forced, *next_best][: t.offer - 1]  # the named entry is never missed
            return Identification(
                "identified",
                entry,
                entry.confidence,
                intent,
                [entry, *[_candidate(r, _score(r)) for r in next_best]],
            )

    # Otherwise the model's scenario confidences count as evidence beside the words, unless
    # the words point to another entry more specifically.
    def boost(r: dict[str, Any]) -> float:
        p = model.get(r["id"], 0.0)
        if not p or (matcher_top >= t.specific_at and matcher_top - _score(r) >= t.specific_by):
            return 0.0
        return t.model_weight * p

    combined = sorted(((min(1.0, _score(r) + boost(r)), r) for r in ranked), key=lambda x: x[0], reverse=True)
    # Other intents (greet, out_of_scope, a question …): the words alone must be clear.
    about_a_matter = model_sid is not None or intent in (None, FALLBACK_INTENT, VAGUE_INTENT, MATTER_INTENT)
    if not about_a_matter and forced is None:
        floor = t.out_of_scope if intent == OUT_OF_SCOPE_INTENT else t.other_intent
        # A reply exactly as taught to such an intent (转人工) is that intent, whatever an entry's
        # people's words share with it (外国人工作 holds 人工); so is a sure request for a person.
        sure = float((parse.get("intent") or {}).get("confidence") or 0.0) >= t.overrule_unsure
        # Requests about the conversation itself are marked in data/interruptions.yml.
        about_conversation = intent in load_interruptions().conversation_intents
        if matcher_top < floor or parse.get(KNOWN_PHRASE_KEY) or (about_conversation and sure):
            return Identification("none", None, combined[0][0], intent, [])
    top_score, top_r = combined[0]
    second_score = combined[1][0] if len(combined) > 1 else 0.0
    if top_score >= t.identify_at and top_score - second_score >= t.lead:
        entry = _candidate(top_r, top_score)
        rest = [(s, r) for s, r in combined[1:]]
        if forced is not None and forced is not top_r:
            rest = [(_score(forced), forced), *[(s, r) for s, r in rest if r is not forced]]
        others = [_candidate(r, s) for s, r in rest[: t.offer - 1]]
        return Identification("identified", entry, top_score, intent, [entry, *others])
    intent_confidence = float((parse.get("intent") or {}).get("confidence") or 0.0)
    matter_sure = intent == MATTER_INTENT and intent_confidence >= t.matter_sure
    plausible = t.matter_plausible if matter_sure else t.plausible
    if top_score >= plausible or forced is not None or (is_family_text(text) and top_score > 0):
        close = [(s, r) for s, r in combined if s >= max(t.candidate, top_score - t.close)][: t.offer]
        if forced is not None and all(r is not forced for _, r in close):
            close = [*close[: t.offer - 1], (_score(forced), forced)]
        offered = [_candidate(r, s) for s, r in close]
        return Identification("clarify", offered[0], top_score, intent, offered)
    # The words score low, but the learnt classifier (``bot.nlu.learnt``) finds an entry as like
    # the message as those it was taught (车子被偷了半年，找回来了，车的信息要改回来吗 shares few
    # words with 被盗抢机动车信息变更备案): asked about, not "not ours".
    learnt = sorted(
        (r for r in ranked if r.get("learnt") is not None and r["learnt"] >= t.learnt_plausible),
        key=lambda r: r["learnt"],
        reverse=True,
    )
    if learnt:
        return _clarify(learnt[: t.offer], intent)
    return Identification("none", None, top_score, intent, [])


@lru_cache(maxsize=4)
def _together_words(path: Path) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """``together`` and ``not_together`` of ``data/nlu/together.yml``, normalised."""
    import yaml

    from bot.nlu.normalize import normalize

    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    words = tuple(normalize(w) for w in data.get("together") or ())
    # Longest first: a phrase that holds a shorter one is taken out whole.
    exceptions = tuple(sorted((normalize(w) for w in data.get("not_together") or ()), key=len, reverse=True))
    return words, exceptions


def says_together(text: str, path: Path = TOGETHER) -> bool:
    """The words ask for several things at once (能一起办吗, 要办哪些手续, 一站式)."""
    from bot.nlu.normalize import normalize

    words, exceptions = _together_words(path)
    cleaned = normalize(text)
    for phrase in exceptions:
        cleaned = cleaned.replace(phrase, " ")
    return any(w in cleaned for w in words)


def _together_scenario(
    text: str, ranked: list[dict[str, Any]], model: dict[str, float], t: Thresholds
) -> dict[str, Any] | None:
    """The one-thing scenario a message asks for when it asks for things together, if the words
    and the model clearly point to one (its score plus the model's weight reaches ``identify_at``)."""
    if not says_together(text):
        return None
    scenarios = [r for r in ranked if r.get("kind") == "scenario"]
    best = max(scenarios, key=lambda r: _score(r) + t.model_weight * model.get(r["id"], 0.0), default=None)
    if best is None or _score(best) + t.model_weight * model.get(best["id"], 0.0) < t.identify_at:
        return None
    return best


def asks_together(text: str, ranked: list[dict[str, Any]], scenario: str) -> bool:
    """The message asks for the one-thing bundle, not one of its matters: it says so (能一起办吗,
    要办哪些手续) or names two of the scenario's matters (就业登记和用工备案在哪办)."""
    if says_together(text):
        return True
    return sum(1 for r in ranked if r.get("named") and scenario in (r.get("scenarios") or ())) >= 2


def _candidate(r: dict[str, Any], confidence: float) -> Candidate:
    return Candidate(
        r["id"], r.get("kind") or "scenario", r.get("name") or r["id"], round(min(1.0, confidence), 4)
    )


def _clarify(offered: list[dict[str, Any]], intent: str | None) -> Identification:
    candidates = [_candidate(r, _score(r)) for r in offered]
    return Identification("clarify", candidates[0], candidates[0].confidence, intent, candidates)


def _identify_by_intents(
    parse: dict[str, Any], intent: str | None, known: set[str] | None, thresholds: Thresholds
) -> Identification:
    """A parse without the matcher (a payload like /scenario_newborn, or an older model)."""
    t = thresholds
    ranking = [r for r in scenario_ranking(parse) if known is None or r["scenario"] in known]
    if not ranking:
        return Identification("none", None, 0.0, intent, [])
    as_candidates = [Candidate(r["scenario"], "scenario", r["scenario"], r["confidence"]) for r in ranking]
    top = ranking[0]
    second = ranking[1]["confidence"] if len(ranking) > 1 else 0.0
    about_a_scenario = scenario_of(intent) is not None or intent == FALLBACK_INTENT
    if (
        scenario_of(intent) == top["scenario"]
        and top["confidence"] >= t.confident
        and top["confidence"] - second >= t.margin
    ):
        return Identification("identified", as_candidates[0], top["confidence"], intent, as_candidates[:3])
    best = as_candidates[: t.offer]
    if about_a_scenario and (top["confidence"] >= 0.15 or sum(c.confidence for c in best) >= 0.25):
        offered = [c for c in best if c.confidence >= 0.05]
        return Identification("clarify", offered[0], top["confidence"], intent, offered)
    return Identification("none", None, top["confidence"], intent, [])
