"""Training inputs derived from the registry, regenerated before every training run.

Adding a scenario is a registry file plus its phrases in ``data/nlu/scenarios/<id>.yml``;
everything else Rasa needs about it is generated here, under ``build/rasa``
(never committed: the registry and the phrases are the only sources):

* ``domain/``: ``domain.yml`` plus ``scenarios.yml``, one ``scenario_<id>`` intent each;
* ``data/scenario_rules.yml``: each scenario intent goes to ``action_identify_scenario``,
  also in the middle of the situation questions;
* ``data/form_rules.yml``: what each form does with the requests that interrupt it, from
  ``data/interruptions.yml`` (the list the actions read too);
* ``data/registry.yml``: the ``material`` lookup table and synonyms (户口本 → catalogue id);
* ``data/matter_phrases.yml``: the intent ``registry_matter``, from the names and aliases of
  the matters and catalogue entries (``matter_phrases``);
* ``build/jieba/registry.txt``: the registry's names as a Jieba user dictionary,
  so 出生医学证明 stays one word.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path

import yaml

from bot.nlu.entries import phrase_examples, read_matter_phrases, registry_entries
from bot.nlu.intents import MATTER_INTENT, intent_of
from bot.nlu.interruptions import LIST as INTERRUPTIONS_LIST
from bot.nlu.interruptions import form_rules, load_interruptions
from bot.nlu.normalize import normalize
from bot.registry.files import Registry, dump_yaml
from bot.settings import ROOT, get_settings

BUILD = ROOT / "build"
NLU_DATA = ROOT / "data" / "nlu"
NLU_SCENARIOS = NLU_DATA / "scenarios"
NLU_MATTERS = NLU_DATA / "matters"
SYNONYMS = ROOT / "data" / "nlu" / "synonyms.yml"
CONFIG = ROOT / "config.yml"
MATCHER = "bot.nlu.registry_matcher.RegistryMatcher"
HEADER = "# Generated from data/registry by `python -m bot train`; do not edit.\n"
FORM_RULES_HEADER = "# Generated from data/interruptions.yml by `python -m bot train`; do not edit.\n"
_INTENT_LINE = re.compile(r"^- intent: (\S+)\s*$", re.M)


class MissingPhrases(ValueError):
    """A registry scenario without training phrases, or phrases for a scenario the registry lacks."""


def check_phrases(registry: Registry, phrases_dir: Path = NLU_SCENARIOS) -> list[str]:
    """Phrase files name registry scenarios, each with exactly its intent; returns their ids.

    A scenario without phrases is still identified, by the registry matcher (its name,
    aliases, bundled matters and materials); phrases add the indirect descriptions of a
    life event (我老婆刚生了孩子) that only a trained intent reads well.
    """
    files = {p.stem: p for p in phrases_dir.glob("*.yml")}
    extra = sorted(set(files) - set(registry.scenarios))
    problems = [f"data/nlu/scenarios/{s}.yml has no scenario in data/registry" for s in extra]
    for sid, path in sorted(files.items()):
        intents = set(_INTENT_LINE.findall(path.read_text(encoding="utf-8")))
        if sid in registry.scenarios and intents != {intent_of(sid)}:
            problems.append(
                f"{path.name} must label its phrases '{intent_of(sid)}' only, not {sorted(intents)}"
            )
    if problems:
        raise MissingPhrases("; ".join(problems))
    return sorted(files)


def check_matter_phrases(registry: Registry, phrases_dir: Path = NLU_MATTERS) -> list[str]:
    """Phrase files name registry matters and hold a list of texts; returns their ids.

    A matter's phrases (people's own words: 退休了公积金咋取) are read by the registry matcher
    as that matter's words (``bot.nlu.entries``). They are not the intent model's examples:
    taught as ``registry_matter`` they drew the life events that mention a matter (孩子刚出生，
    落户和社保卡能一起办吗) away from their scenarios (docs/eval/README.md).
    """
    files = {p.stem: p for p in phrases_dir.glob("*.yml")}
    problems = [
        f"data/nlu/matters/{m}.yml has no matter in data/registry"
        for m in sorted(set(files) - set(registry.matters))
    ]
    for path in files.values():
        try:
            read_matter_phrases(path)
        except ValueError as err:
            problems.append(str(err))
    if problems:
        raise MissingPhrases("; ".join(problems))
    return sorted(files)


def scenarios_without_phrases(registry: Registry, phrases_dir: Path = NLU_SCENARIOS) -> list[str]:
    return sorted(set(registry.scenarios) - {p.stem for p in phrases_dir.glob("*.yml")})


# The modules that build the matcher's index: Rasa caches a component by its config and inputs,
# not its code, so a change here (a field's weight) must change the config to rebuild it.
MATCHER_CODE = (
    "registry_matcher",
    "entries",
    "learnt",
    "retrieval",
    "english",
    "focus",
    "normalize",
    "romanised",
    "typos",
)


def matcher_digests(registry_dir: Path, synonyms: Path = SYNONYMS) -> dict[str, str]:
    """Digests of exactly what the registry matcher indexes, for Rasa's training fingerprint."""
    entries = registry_entries(registry_dir, NLU_MATTERS, NLU_SCENARIOS)
    blob = json.dumps([e.as_dict() for e in entries], ensure_ascii=False, sort_keys=True)
    code = b"".join((Path(__file__).parent / f"{name}.py").read_bytes() for name in MATCHER_CODE)
    return {
        "registry_digest": hashlib.sha256(blob.encode()).hexdigest()[:16],
        "code_digest": hashlib.sha256(code).hexdigest()[:16],
        "synonyms_digest": hashlib.sha256(synonyms.read_bytes()).hexdigest()[:16]
        if synonyms.exists()
        else "",
    }


def write_config(
    digests: dict[str, str], source: Path = CONFIG, target: Path = BUILD / "rasa" / "config.yml"
) -> Path:
    """config.yml with the registry matcher's digests filled in (what `rasa train` reads)."""
    config = yaml.safe_load(source.read_text(encoding="utf-8"))
    found = False
    for component in config.get("pipeline") or []:
        if component.get("name") == MATCHER:
            component.update(digests)
            found = True
    if not found:
        raise ValueError(f"{source.name}: the pipeline has no {MATCHER}")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(
        dump_yaml(config, "# Generated from config.yml by `python -m bot train`; do not edit.\n"), "utf-8"
    )
    return target


def _words(texts: list[str]) -> list[str]:
    """Dictionary-safe words: no blanks (Jieba's format splits on them), 2–24 characters."""
    words = []
    for text in texts:
        word = normalize(text).strip()
        if 2 <= len(word) <= 24 and not any(c.isspace() for c in word):
            words.append(word)
    return sorted(set(words))


def _scenario_rules(scenario_ids: list[str]) -> list[dict]:
    rules = []
    for sid in scenario_ids:
        intent = intent_of(sid)
        rules.append(
            {
                "rule": f"{sid} described",
                "condition": [{"active_loop": None}],
                "steps": [{"intent": intent}, {"action": "action_identify_scenario"}],
                "wait_for_user_input": False,
            }
        )
        # A scenario described while a form asks is a new request, like those data/interruptions.yml lists.
        for form in load_interruptions().new_request_forms:
            rules.append(
                {
                    "rule": f"{sid} described in the middle of {form}",
                    "condition": [{"active_loop": form}],
                    "steps": [
                        {"intent": intent},
                        {"action": "action_deactivate_loop"},
                        {"active_loop": None},
                        {"action": "action_identify_scenario"},
                    ],
                    "wait_for_user_input": False,
                }
            )
    return rules


def form_rules_yaml(source: Path = INTERRUPTIONS_LIST) -> str:
    """The form rules as Rasa reads them; the same list always gives the same bytes."""
    rules = form_rules(load_interruptions(source))
    return dump_yaml({"version": "3.1", "rules": rules}, FORM_RULES_HEADER)


def write_form_rules(target: Path, source: Path = INTERRUPTIONS_LIST) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(form_rules_yaml(source), encoding="utf-8")
    return target


def _material_lookup(registry: Registry) -> list[dict]:
    names = [n for m in registry.materials.values() for n in (m.name, *m.aliases)]
    owners: dict[str, set[str]] = {}
    for material in registry.materials.values():
        for name in _words([material.name, *material.aliases]):
            owners.setdefault(name, set()).add(material.id)
    synonyms = []
    for material in registry.materials.values():
        # A name two materials share stays ambiguous; the action asks the registry instead.
        unique = [
            n
            for n in _words([material.name, *material.aliases])
            if n != material.id and owners[n] == {material.id}
        ]
        if unique:
            synonyms.append({"synonym": material.id, "examples": "".join(f"- {n}\n" for n in unique)})
    return [{"lookup": "material", "examples": "".join(f"- {w}\n" for w in _words(names))}, *synonyms]


def trained_phrases(data_dir: Path = NLU_DATA) -> set[str]:
    """The hand-written training phrases of every intent (``data/nlu``), as written."""
    return {phrase for path in data_dir.rglob("*.yml") for _, phrase in phrase_examples(path)}


def matter_phrases(registry_dir: Path, written: set[str] | None = None) -> list[str]:
    """What asking for one matter sounds like: the names and aliases of the detailed matters
    and the catalogue entries, for the intent ``registry_matter``.

    The scenario intents are the only ones that learnt requests for something to be done, so
    the model used to read any matter in a life event's words as that life event, surely
    (社保卡挂失 as 社会保障卡居民服务一件事 at 0.91). With these phrases it learns that a matter
    sounds different; which matter it is stays the registry matcher's to say. Left out: matters
    a scenario bundles (their words are the scenario's too, and the bot offers the scenario
    with them), phrases written for another intent, and texts Rasa would read as markup.
    """
    written = trained_phrases() if written is None else written
    taken = {normalize(p) for p in written}
    phrases: set[str] = set()
    for entry in registry_entries(registry_dir):
        if entry.kind == "scenario" or entry.related:
            continue
        for text in (entry.name, *entry.aliases):
            text = " ".join(text.split())
            if text and normalize(text) not in taken and not any(c in text for c in "[]{}()"):
                phrases.add(text)
    return sorted(phrases)


def build_training_inputs(
    registry: Registry, build_dir: Path = BUILD, registry_dir: Path | None = None
) -> dict[str, int]:
    scenario_ids = check_phrases(registry)
    matters_with_phrases = check_matter_phrases(registry)
    if registry_dir is not None:
        write_config(matcher_digests(registry_dir), target=build_dir / "rasa" / "config.yml")
    rasa_dir = build_dir / "rasa"
    (rasa_dir / "domain").mkdir(parents=True, exist_ok=True)
    (rasa_dir / "data").mkdir(parents=True, exist_ok=True)
    link = rasa_dir / "domain" / "domain.yml"
    if not link.is_symlink():
        link.unlink(missing_ok=True)
        link.symlink_to(os.path.relpath(ROOT / "domain.yml", link.parent))
    (rasa_dir / "domain" / "scenarios.yml").write_text(
        dump_yaml({"version": "3.1", "intents": [intent_of(s) for s in scenario_ids]}, HEADER),
        encoding="utf-8",
    )
    (rasa_dir / "data" / "scenario_rules.yml").write_text(
        dump_yaml({"version": "3.1", "rules": _scenario_rules(scenario_ids)}, HEADER), encoding="utf-8"
    )
    write_form_rules(rasa_dir / "data" / "form_rules.yml")
    phrases = matter_phrases(registry_dir or get_settings().registry.dir)
    examples = "".join(f"- {p}\n" for p in phrases)
    (rasa_dir / "data" / "matter_phrases.yml").write_text(
        dump_yaml({"version": "3.1", "nlu": [{"intent": MATTER_INTENT, "examples": examples}]}, HEADER),
        encoding="utf-8",
    )
    lookup = _material_lookup(registry)
    (rasa_dir / "data" / "registry.yml").write_text(
        dump_yaml({"version": "3.1", "nlu": lookup}, HEADER), encoding="utf-8"
    )

    texts = [n for s in registry.scenarios.values() for n in (s.name, *s.aliases)]
    texts += [m.name for s in registry.scenarios.values() for m in s.matters]
    texts += [n for m in registry.materials.values() for n in (m.name, *m.aliases)]
    words = _words(texts)
    (build_dir / "jieba").mkdir(parents=True, exist_ok=True)
    (build_dir / "jieba" / "registry.txt").write_text("".join(f"{w} 50 n\n" for w in words), encoding="utf-8")
    return {
        "scenarios": len(scenario_ids),
        "scenarios_by_matcher_only": len(scenarios_without_phrases(registry)),
        "dictionary_words": len(words),
        "material_names": lookup[0]["examples"].count("\n"),
        "synonym_sets": len(lookup) - 1,
        "matter_phrases": len(phrases),
        "matters_with_phrases": len(matters_with_phrases),
    }
