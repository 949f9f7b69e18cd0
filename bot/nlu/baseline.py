"""The baseline ``make eval`` scores the bot against: character-bigram BM25 over the official
names and the guides' text, which is what a portal search box or a plain retrieval system over
the same guides does.

One document per registry entry (52 scenarios, 328 matters, ~2,800 catalogue-only entries):

- scenario: its name, eligibility, the names of its linked matters, its materials;
- matter: its name, conditions, its materials' names, result, department;
- catalogue-only entry: its name, department and categories.

Curated aliases and synonyms are left out on purpose: they are this project's work, not
something a search box over the portal has. The entries come from the registry files when they
carry matters and the catalogue (``Registry.matters`` / ``.catalogue``), otherwise straight from
the seed's JSON kept in the repository (``data/sources/hunan``); ids are the same.
"""

from __future__ import annotations

import json
import math
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from bot.settings import ROOT

SEEDS = (ROOT / "data" / "sources" / "hunan",)


@dataclass(frozen=True)
class Entry:
    """A registry entry as the evaluation sees it: what to call it, how to group it, what to index."""

    id: str
    kind: str  # "scenario" | "matter" | "catalogue"
    name: str
    text: str  # everything the baseline indexes (name first)
    department: str | None = None
    categories: tuple[str, ...] = ()
    related_scenarios: tuple[str, ...] = ()


def _join(parts: Iterable[Any]) -> str:
    return "\n".join(str(p) for p in parts if p)


def _entry(
    id: str,
    kind: str,
    name: str,
    parts: Iterable[Any],
    department: str | None = None,
    categories: Iterable[str] = (),
    related: Iterable[str] = (),
) -> Entry:
    return Entry(
        id=id,
        kind=kind,
        name=name,
        text=_join([name, *parts]),
        department=department or None,
        categories=tuple(categories or ()),
        related_scenarios=tuple(related or ()),
    )


def entries_from_registry(registry: Any) -> list[Entry]:
    """From ``bot.registry.files.Registry`` once it has ``matters`` and ``catalogue``."""
    out = []
    for s in registry.scenarios.values():
        out.append(
            _entry(
                s.id,
                "scenario",
                s.name,
                [*s.eligibility, *(m.name for m in s.matters), *(r.seed_name for r in s.requirements)],
                department=s.lead_department,
            )
        )
    categories_of = {c.service_id: tuple(c.categories) for c in registry.catalogue.values()}
    for m in registry.matters.values():
        out.append(
            _entry(
                m.id,
                "matter",
                m.name,
                [
                    *m.eligibility,
                    *(r.seed_name for r in m.requirements),
                    getattr(m, "result", None),
                    getattr(m, "department", None),
                ],
                department=getattr(m, "department", None),
                categories=getattr(m, "categories", ())
                or categories_of.get(getattr(m, "service_id", ""), ()),
                related=getattr(m, "related_scenarios", ()),
            )
        )
    for c in registry.catalogue.values():
        if c.matter:
            continue
        out.append(
            _entry(
                c.service_id,
                "catalogue",
                c.name,
                [c.department, *c.categories],
                department=c.department,
                categories=c.categories,
            )
        )
    return out


def entries_from_seed(seed: Path) -> list[Entry]:
    """From the seed's JSON files (same ids as the registry)."""
    out = []
    for path in sorted((seed / "scenarios").glob("*.json")):
        s = json.loads(path.read_text(encoding="utf-8"))
        out.append(
            _entry(
                s["id"],
                "scenario",
                s["scenario"],
                [
                    *(s.get("conditions") or []),
                    *(m.get("name") for m in s.get("linked_matters") or []),
                    *(m.get("name") for m in s.get("materials") or []),
                ],
                department=s.get("lead_department"),
            )
        )
    catalogue = [
        json.loads(line)
        for line in (seed / "matter_catalogue.jsonl").read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    categories_of = {c["service_id"]: tuple(c.get("categories") or ()) for c in catalogue}
    detailed = set()
    for path in sorted((seed / "matters").glob("*.json")):
        m = json.loads(path.read_text(encoding="utf-8"))
        detailed.add(m.get("service_id"))
        out.append(
            _entry(
                m["id"],
                "matter",
                m["name"],
                [
                    *(m.get("conditions") or []),
                    *(x.get("name") for x in m.get("materials") or []),
                    m.get("result"),
                    m.get("department"),
                ],
                department=m.get("department"),
                categories=categories_of.get(m.get("service_id"), ()),
                related=m.get("related_scenarios") or (),
            )
        )
    for c in catalogue:
        if c["service_id"] in detailed:
            continue
        out.append(
            _entry(
                c["service_id"],
                "catalogue",
                c["name"],
                [c.get("department"), *(c.get("categories") or [])],
                department=c.get("department"),
                categories=c.get("categories") or (),
            )
        )
    return out


def load_entries(registry_dir: Path | None = None, seed: Path | None = None) -> tuple[list[Entry], str]:
    """Every entry, and where they were read from (for the report)."""
    if seed is None:
        from bot.registry.files import RegistryError, load_registry
        from bot.settings import get_settings

        directory = registry_dir or get_settings().registry.dir
        try:
            registry = load_registry(directory)
        except RegistryError as e:
            print(f"[eval] warning: the registry does not load ({e}); reading the seed instead", flush=True)
            registry = None
        if getattr(registry, "matters", None) and getattr(registry, "catalogue", None):
            return entries_from_registry(registry), shown_path(directory)
        seed = next((s for s in SEEDS if (s / "matters").is_dir()), None)
        if seed is None:
            raise SystemExit("no registry with matters and no seed found (data/sources/hunan)")
    return entries_from_seed(seed), shown_path(seed)


def shown_path(path: Path) -> str:
    try:
        return path.resolve().relative_to(ROOT.resolve()).as_posix()
    except ValueError:
        return str(path)


def bigrams(text: str) -> list[str]:
    """Character bigrams within each run of letters/digits/CJK (NFKC, lower case); a run of one
    character gives that character, so 你 or a lone digit still counts."""
    text = unicodedata.normalize("NFKC", text).lower()
    out: list[str] = []
    run: list[str] = []
    for ch in [*text, " "]:
        if ch.isalnum():
            run.append(ch)
            continue
        if len(run) == 1:
            out.append(run[0])
        out.extend(run[i] + run[i + 1] for i in range(len(run) - 1))
        run = []
    return out


@dataclass
class BM25:
    """Okapi BM25 over character bigrams (k1=1.2, b=0.75, idf = ln(1 + (N - df + .5)/(df + .5))).
    Each distinct query bigram counts once."""

    ids: Sequence[str]
    texts: Sequence[str]
    k1: float = 1.2
    b: float = 0.75
    _postings: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        if len(self.ids) != len(self.texts):
            raise ValueError("one text per id")
        counts = [Counter(bigrams(t)) for t in self.texts]
        lengths = np.array([sum(c.values()) for c in counts], dtype=float)
        avgdl = float(lengths.mean()) if len(lengths) and lengths.mean() > 0 else 1.0
        n = len(counts)
        by_term: dict[str, list[tuple[int, int]]] = {}
        for i, c in enumerate(counts):
            for term, count in c.items():
                by_term.setdefault(term, []).append((i, count))
        for term, posts in by_term.items():
            df = len(posts)
            idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
            docs = np.array([i for i, _ in posts], dtype=np.int64)
            tf = np.array([t for _, t in posts], dtype=float)
            norm = self.k1 * (1 - self.b + self.b * lengths[docs] / avgdl)
            self._postings[term] = (docs, idf * tf * (self.k1 + 1) / (tf + norm))

    def scores(self, query: str) -> np.ndarray:
        out = np.zeros(len(self.ids))
        for term in set(bigrams(query)):
            posting = self._postings.get(term)
            if posting is not None:
                out[posting[0]] += posting[1]
        return out

    def rank(self, query: str, k: int = 10) -> list[tuple[str, float]]:
        """The best k ids with their scores (ties broken by the order of the documents)."""
        s = self.scores(query)
        if not len(s):
            return []
        top = np.argsort(-s, kind="stable")[:k]
        return [(self.ids[i], float(s[i])) for i in top if s[i] > 0]


def null_threshold(top_scores: Sequence[float], uncovered_rate: float) -> float:
    """The score below which the baseline says "not ours": chosen so that it says so for the same
    share of messages as the held-out set's share of uncovered ones. Only that rate is used, never
    which messages are uncovered, so the baseline is not tuned on the answers."""
    if not top_scores or uncovered_rate <= 0:
        return 0.0
    ordered = sorted(top_scores)
    cut = round(uncovered_rate * len(ordered))
    if cut <= 0:
        return 0.0
    if cut >= len(ordered):
        return ordered[-1] + 1e-9
    # Strictly between the last "none" and the first answered score.
    return (ordered[cut - 1] + ordered[cut]) / 2


def predict(
    index: BM25, texts: Sequence[str], uncovered_rate: float, kinds: dict[str, str] | None = None
) -> tuple[list[dict[str, Any]], float]:
    """Baseline predictions in the shape of ``bot.nlu.cli.identify_texts`` (decision identified or
    none; the candidates are the ranking), and the threshold used."""
    kinds = kinds or {}
    ranked = [index.rank(t, 10) for t in texts]
    threshold = null_threshold([r[0][1] if r else 0.0 for r in ranked], uncovered_rate)
    out = []
    for text, ranking in zip(texts, ranked, strict=True):
        top = ranking[0][1] if ranking else 0.0
        answered = bool(ranking) and top >= threshold
        candidates = [{"id": i, "kind": kinds.get(i, "?"), "name": "", "confidence": s} for i, s in ranking]
        best = ranking[0][0] if answered else None
        out.append(
            {
                "text": text,
                "decision": "identified" if answered else "none",
                "scenario": best if best and kinds.get(best) == "scenario" else None,
                "matter": best if best and kinds.get(best) != "scenario" else None,
                "confidence": top,
                "candidates": candidates,
            }
        )
    return out, threshold
