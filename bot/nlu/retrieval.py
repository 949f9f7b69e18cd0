"""Ranking every registry entry for a message, built from data only.

The message is normalised (simplified, half-width, lower case, punctuation gone) and
rewritten with the curated lexicon (``data/nlu/synonyms.yml``: 驾照 → 驾驶证, 丢了 →
补领, passport → 护照 …); English is read word by word (``bot.nlu.english``), and what the
lexicon cannot translate is dropped rather than scored as unknown. Entries are ranked by
BM25F over registry words and character bigrams (fields weighted: name and aliases above
result, people's own words for a matter (``data/nlu/matters``), categories, department and
materials),
times a small prior (detailed guides and citizens' matters before company-only catalogue
rows) and an action factor (驾照丢了 prefers 补领 over 换领). An entry whose official
name or alias is in the message is "named" and ranks above everything it names within.

No Rasa here: the component in ``registry_matcher`` only builds, stores and calls this.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from bot.nlu.english import SEPARATOR, EnglishPhrases
from bot.nlu.entries import Entry
from bot.nlu.focus import request_focus
from bot.nlu.normalize import normalize
from bot.nlu.romanised import RomanisedWords
from bot.nlu.typos import SoundCorrector

_NON_WORD = re.compile(r"[^0-9a-z\u3400-\u9fff]+")
_NON_WORD_KEEP_BREAKS = re.compile(r"[^0-9a-z\u3400-\u9fff\x01]+")
_BREAKS = re.compile(r"\x01{2,}")
_BRACKETS = re.compile(r"[（(【\[][^）)】\]]*[）)】\]]")
# 注册个公司 = 注册公司: a spoken classifier between verb and noun (not 个人, 个体, 个税 …).
_CLASSIFIER = re.compile(r"(?<=[\u3400-\u9fff])一?个(?![人体性税案别])")
_SPLIT_NAME = re.compile(r"[、，,及和与/]")
_LATIN_RUN = re.compile(r"[a-z]+")
_LATIN_WORD = re.compile(r"[a-z0-9]*[a-z][a-z0-9]*")

# BM25F field weights: a word in the name counts most; materials say little about the matter.
FIELD_WEIGHTS: dict[str, float] = {
    "name": 3.0,
    "aliases": 3.0,
    "result": 3.0,
    # People's own words for a detailed matter (data/nlu/matters): what asking for it sounds like.
    "phrases": 1.0,
    # A scenario's training phrases (data/nlu/scenarios): how people tell the life event. Many
    # of them name one of its matters too (退休了公积金怎么取), so they weigh less than a
    # matter's own phrases: on the development sets (five-fold) 0.5 finds 4 points more
    # scenarios for 1 point fewer matters; 1.0 finds 7 more for 3 fewer.
    "scenario_phrases": 0.5,
    "bundled": 0.8,
    "categories": 0.6,
    "department": 0.5,
    "materials": 0.3,
    "eligibility": 0.3,
}
# Fields of what people say rather than what the registry says: their words and bigrams count
# where the registry's texts or the lexicon know them, but add none to the vocabulary (their
# typos, 户口签移, would become words the typo corrector leaves alone; their small talk, 今天,
# words that match).
SAID_ONLY = ("phrases", "scenario_phrases")
K1 = 1.2
B = 0.6
BIGRAM_WEIGHT = 0.6
MAX_WORD = 10
# Priors: a detailed guide (scenario or matter) answers with a checklist; catalogue rows
# for companies only are least likely what a citizen in a chat means.
PRIORS = {
    "scenario": 1.0,
    "matter": 1.0,
    "personal": 0.95,
    "personal_and_legal": 0.93,
    "legal_entity": 0.84,
    "": 0.9,
}
NAMED_ALIAS = 0.85
NAMED_BUNDLED = 0.6
NAMED_FLAG = 0.85
NAMED_SHARE = 0.6
MAX_NAMED = 5  # named entries the ranking carries beyond its top
QUERY_CACHE = 256  # messages (and their parts) whose reading ``Index.query`` keeps
# What an unknown bigram weighs against coverage (a typical registry bigram: idf 5–8).
OOV_WEIGHT = 1.5
EXTRA_SHARE = 0.15
# The share of an entry's own name a message says weighs in from this floor (see _said_of_name),
# for the best-covered entries only.
NAME_SHARE_FLOOR = 0.6
NAME_SHARE_TOP = 60
ACTION_MATCH = 1.25
ACTION_MISMATCH = 0.85
# Pinyin typed for a known word (gongjijin) is read as the word (``bot.nlu.romanised``).
ROMANISED = True
# A message that tells a story and then asks (``bot.nlu.focus``): the words of the story that
# the asking part lacks keep this share of their weight, in full from FOCUS_FROM characters
# down to STORY_WEIGHT at FOCUS_FULL. In a short message the other clause is the condition that
# tells matters apart (老公去世了，公积金能取吗: the withdrawal on death); in a long one it is
# mostly the story (tuned on the development set: 0.1, 30, 60).
STORY_WEIGHT = 0.1
FOCUS_FROM = 30
FOCUS_FULL = 60


def clean(text: str) -> str:
    """Normalised and reduced to letters, digits and CJK (the form names are compared in)."""
    return _NON_WORD.sub("", normalize(text or ""))


def name_variants(name: str) -> list[str]:
    """The official name, and without its parenthesised remark when what is left still says
    something (公共场所卫生许可（新发） → 公共场所卫生许可). Title marks are only punctuation
    (《食品经营许可证》注销 → 食品经营许可证注销)."""
    full = clean(name)
    stripped = clean(_BRACKETS.sub("", name))
    variants = [full] + ([stripped] if len(stripped) >= 4 else [])
    return [v for v in dict.fromkeys(variants) if v]


def _bigrams(text: str) -> list[str]:
    return [text[i : i + 2] for i in range(len(text) - 1)]


@dataclass
class Lexicon:
    """Curated words people use: colloquial terms → official ones, and action groups."""

    terms: dict[str, list[str]] = field(default_factory=dict)
    # Words that say where or when, not what (长沙, 明年): dropped from the message.
    ignore: list[str] = field(default_factory=list)
    # Each action: the words official names use (first = canonical) and the words people say.
    actions: list[dict[str, list[str]]] = field(default_factory=list)
    # Words every kind of matter uses (证, 证明, 手续, 登记): alone they name nothing.
    generic: list[str] = field(default_factory=list)

    @classmethod
    def load(cls, path: Path | None) -> Lexicon:
        import yaml

        if path is None or not Path(path).exists():
            return cls()
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        terms: dict[str, list[str]] = {}
        for key, targets in (data.get("terms") or {}).items():
            targets = [targets] if isinstance(targets, str) else list(targets or [])
            for k in str(key).split("|"):
                ck = clean(k)
                if ck:
                    terms.setdefault(ck, [])
                    terms[ck] += [clean(t) for t in targets if clean(t) and clean(t) not in terms[ck]]
        actions = []
        for action in data.get("actions") or []:
            names = [clean(x) for x in action.get("names") or [] if clean(x)]
            said = [clean(x) for x in action.get("said") or [] if clean(x)]
            if names:
                actions.append({"names": names, "said": said})
        ignore = sorted({clean(w) for w in data.get("ignore") or [] if clean(w)}, key=len, reverse=True)
        generic = sorted({clean(w) for w in data.get("generic") or [] if clean(w)}, key=len, reverse=True)
        return cls(terms, ignore, actions, generic)

    def as_dict(self) -> dict[str, Any]:
        return {"terms": self.terms, "ignore": self.ignore, "actions": self.actions, "generic": self.generic}

    def words(self) -> set[str]:
        out = {t for targets in self.terms.values() for t in targets}
        out |= {n for a in self.actions for n in a["names"]}
        return out


@dataclass
class Query:
    text: str  # cleaned original
    rewritten: str  # colloquial words replaced by their first official term
    extra: list[str]  # other official terms and action names (scored, not required)
    actions: set[int]
    unknown: float = 0  # bigrams no registry text has (a story's count less): maybe about something else
    raw: str = ""  # cleaned, before the spoken classifiers were dropped (names keep theirs)
    untranslated: int = 0  # letters of English words the lexicon has no term for
    length: int = 0  # letters, digits and characters of the message as typed

    @property
    def untranslated_share(self) -> float:
        """The share of the message that is English the lexicon could not translate."""
        return min(1.0, self.untranslated / self.length) if self.length else 0.0


class Index:
    """The ranking model: vocabulary, a documents × features BM25F weight matrix, names."""

    def __init__(
        self,
        entries: list[Entry],
        lexicon: Lexicon,
        vocab: dict[str, int],
        weights: sp.csc_matrix,
        idf_name: np.ndarray,
        extra_words: set[str] | None = None,
    ) -> None:
        self.entries = entries
        self.lexicon = lexicon
        self.vocab = vocab
        self.weights = weights
        self.idf_name = idf_name  # per feature: what a full name match of it is worth
        self.priors = np.array(
            [PRIORS["scenario"] if e.kind != "catalogue" else PRIORS.get(e.audience, 0.9) for e in entries]
        )
        self._word_lengths = sorted({len(w) for w in vocab if not w.startswith("#")}, reverse=True)
        # What counts as naming an entry: its official name (1.0), an alias (0.85), and for a
        # scenario the names of the matters it bundles (0.6: a hint, not a naming).
        self._names: dict[str, list[tuple[int, float]]] = {}
        for i, e in enumerate(entries):
            for variant in name_variants(e.name):
                if len(variant) >= 3:
                    self._names.setdefault(variant, []).append((i, 1.0))
            for alias in e.aliases:
                ca = clean(alias)
                if len(ca) >= 2:
                    self._names.setdefault(ca, []).append((i, NAMED_ALIAS))
            for bundled in e.fields.get("bundled", ()):
                for variant in name_variants(bundled)[-1:]:
                    if len(variant) >= 4:
                        self._names.setdefault(variant, []).append((i, NAMED_BUNDLED))
        # The lengths of the names that begin with each two characters, longest first: a message
        # is looked up only where a name could begin (names have two characters or more).
        starts: dict[str, set[int]] = {}
        for name in self._names:
            starts.setdefault(name[:2], set()).add(len(name))
        self._name_starts = {k: sorted(v, reverse=True) for k, v in starts.items()}
        self._action_matrix = np.zeros((len(entries), len(lexicon.actions)), dtype=bool)
        for i, e in enumerate(entries):
            for a in self._actions_in(clean(e.name)):
                self._action_matrix[i, a] = True
        self._term_keys = sorted(lexicon.terms, key=len, reverse=True)
        self._term_rank = {key: rank for rank, key in enumerate(self._term_keys)}
        self._term_lengths = sorted({len(key) for key in self._term_keys})
        # A key of digits alone could also match inside a placeholder written while rewriting.
        self._digit_keys = [key for key in self._term_keys if key.isdigit()]
        # Scenarios bundling each entry: the matter's related_scenarios, and scenarios listing a
        # linked matter of the same name.
        bundles: dict[str, set[str]] = {}
        for e in entries:
            if e.kind == "scenario":
                for bundled in e.fields.get("bundled", ()):
                    for v in name_variants(bundled):
                        bundles.setdefault(v, set()).add(e.id)
        self._bundled_by: list[tuple[str, ...]] = []
        for e in entries:
            ids = set(e.related) if e.kind != "scenario" else set()
            if e.kind != "scenario":
                for v in name_variants(e.name):
                    ids |= bundles.get(v, set())
            self._bundled_by.append(tuple(sorted(ids)))

    # ---------------------------------------------------------------- building

    @classmethod
    def build(cls, entries: list[Entry], lexicon: Lexicon) -> Index:
        import jieba

        texts = [t for e in entries for f, ts in _field_texts(e).items() if f not in SAID_ONLY for t in ts]
        words: set[str] = set(lexicon.words())
        for text in texts:
            for w in jieba.lcut_for_search(clean(text)):
                if 2 <= len(w) <= MAX_WORD:
                    words.add(w)
        for e in entries:
            for v in name_variants(e.name):
                for part in _SPLIT_NAME.split(v):
                    if 2 <= len(part) <= MAX_WORD:
                        words.add(part)
        vocab: dict[str, int] = {}
        for w in sorted(words):
            vocab[w] = len(vocab)
        index = cls(entries, lexicon, vocab, sp.csc_matrix((len(entries), 0)), np.zeros(0))
        # Features per field per entry, then BM25F.
        field_feats: dict[str, list[dict[int, float]]] = {f: [] for f in FIELD_WEIGHTS}
        for e in entries:
            texts_by_field = _field_texts(e)
            for f in FIELD_WEIGHTS:
                counts: dict[int, float] = {}
                for text in texts_by_field.get(f, ()):
                    grow = None if f in SAID_ONLY else vocab
                    for fid, w in index._features(clean(text), grow=grow).items():
                        counts[fid] = counts.get(fid, 0.0) + w
                field_feats[f].append(counts)
        n_feat = len(vocab)
        n_docs = len(entries)
        # A field's length is weighed against its average length. People's words exist for the
        # detailed matters only (a tenth of the entries): averaged over all entries, every matter
        # that has them would look long-winded and its phrases count a tenth of a name's.
        # (The registry's own fields keep the average over all entries they were tuned with.)
        avg_len = {
            f: max(
                1e-9,
                sum(sum(c.values()) for c in field_feats[f])
                / max(1, sum(1 for c in field_feats[f] if c) if f in SAID_ONLY else n_docs),
            )
            for f in FIELD_WEIGHTS
        }
        df = np.zeros(n_feat)
        rows, cols, vals = [], [], []
        for d in range(n_docs):
            tf: dict[int, float] = {}
            for f, weight in FIELD_WEIGHTS.items():
                counts = field_feats[f][d]
                if not counts:
                    continue
                length = sum(counts.values())
                norm = 1 - B + B * length / avg_len[f]
                for fid, c in counts.items():
                    tf[fid] = tf.get(fid, 0.0) + weight * c / norm
            for fid, value in tf.items():
                df[fid] += 1
                rows.append(d)
                cols.append(fid)
                vals.append(value)
        idf = np.log(1 + (n_docs - df + 0.5) / (df + 0.5))
        vals_arr = np.array(vals)
        cols_arr = np.array(cols, dtype=np.int64)
        w = idf[cols_arr] * vals_arr * (K1 + 1) / (K1 + vals_arr)
        matrix = sp.csc_matrix((w, (np.array(rows, dtype=np.int64), cols_arr)), shape=(n_docs, n_feat))
        full = FIELD_WEIGHTS["name"]
        idf_name = idf * (K1 + 1) + 0 * full
        return cls(entries, lexicon, vocab, matrix, idf_name)

    def _features(self, text: str, grow: dict[str, int] | None = None) -> dict[int, float]:
        """Registry words found anywhere in ``text`` (weight 1) and its bigrams (``BIGRAM_WEIGHT``)."""
        vocab = self.vocab
        out: dict[int, float] = {}
        n = len(text)
        lengths = self._word_lengths or range(MAX_WORD, 1, -1)
        for i in range(n):
            for length in lengths:
                if i + length > n:
                    continue
                fid = vocab.get(text[i : i + length])
                if fid is not None:
                    out[fid] = out.get(fid, 0.0) + 1.0
        for bg in _bigrams(text):
            key = "#" + bg
            fid = vocab.get(key)
            if fid is None and grow is not None:
                fid = grow[key] = len(grow)
            if fid is not None:
                out[fid] = out.get(fid, 0.0) + BIGRAM_WEIGHT
        return out

    # ---------------------------------------------------------------- persistence

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        (directory / "entries.json").write_text(
            json.dumps([e.as_dict() for e in self.entries], ensure_ascii=False), encoding="utf-8"
        )
        (directory / "lexicon.json").write_text(
            json.dumps(self.lexicon.as_dict(), ensure_ascii=False), "utf-8"
        )
        words = sorted(self.vocab, key=self.vocab.__getitem__)
        (directory / "vocab.json").write_text(json.dumps(words, ensure_ascii=False), encoding="utf-8")
        sp.save_npz(directory / "weights.npz", self.weights.tocsc())
        np.save(directory / "idf_name.npy", self.idf_name)

    @classmethod
    def load(cls, directory: Path) -> Index:
        entries = [Entry.from_dict(d) for d in json.loads((directory / "entries.json").read_text("utf-8"))]
        lex = json.loads((directory / "lexicon.json").read_text("utf-8"))
        words = json.loads((directory / "vocab.json").read_text("utf-8"))
        return cls(
            entries,
            Lexicon(lex["terms"], lex.get("ignore") or [], lex["actions"], lex.get("generic") or []),
            {w: i for i, w in enumerate(words)},
            sp.load_npz(directory / "weights.npz").tocsc(),
            np.load(directory / "idf_name.npy"),
        )

    # ---------------------------------------------------------------- ranking

    def _actions_in(self, text: str) -> set[int]:
        return {i for i, a in enumerate(self.lexicon.actions) if any(n in text for n in a["names"])}

    def _said_words(self) -> tuple[list[str], Callable[[str], float]]:
        """The words people may mean when they misspell or romanise one, and how common each is.

        Only words of the names and aliases are offered (票种 from some guide's text is not what
        anyone misspells), and the lexicon's spoken and official words (the commonest). Built
        once: the typo corrector and the pinyin reader both need it (0.27 s to build here)."""
        said: tuple[list[str], Callable[[str], float]] | None = getattr(self, "_said", None)
        if said is not None:
            return said
        df = np.diff(self.weights.tocsc().indptr) if self.weights.shape[1] else np.zeros(0)
        spoken = set(self.lexicon.terms) | set(self.lexicon.ignore)

        def weight(word: str) -> float:
            fid = self.vocab.get(word)
            return 1e6 if word in spoken else float(df[fid]) if fid is not None and fid < len(df) else 0.0

        in_names = {n[i : i + k] for n in self._names for k in (2, 3, 4) for i in range(len(n) - k + 1)}
        words = [w for w in self.vocab if w in in_names] + list(spoken) + list(self.lexicon.words())
        self._said = (words, weight)
        return words, weight

    @property
    def corrector(self) -> SoundCorrector:
        """Typos by sound, over the registry's words and the lexicon's (built on first use)."""
        if getattr(self, "_corrector", None) is None:
            spoken = set(self.lexicon.terms) | set(self.lexicon.ignore)
            pairs = {w[i : i + 2] for w in spoken for i in range(len(w) - 1)}
            words, weight = self._said_words()
            self._corrector = SoundCorrector(
                words, lambda p: "#" + p in self.vocab or p in pairs, weight, _language_word
            )
        return self._corrector

    @property
    def english(self) -> EnglishPhrases:
        """The lexicon's English and mixed phrases, matched word by word (built on first use)."""
        if getattr(self, "_english", None) is None:
            said = [s for a in self.lexicon.actions for s in a["said"]]
            # Latin words of the names and aliases (jw202, px, ktv) are kept like registry words.
            in_names = {w for name in self._names for w in _LATIN_WORD.findall(name)}
            words, weight = self._said_words()
            pinyin = RomanisedWords([*words, *said], weight) if ROMANISED else None
            self._english = EnglishPhrases(
                [*self.lexicon.terms, *said], [*self.vocab, *in_names], pinyin.read if pinyin else None
            )
        return self._english

    def _read(self, message: str) -> tuple[str, int]:
        """The cleaned message with only the English the lexicon knows (each phrase set apart by
        ``SEPARATOR``), and the letters of English it dropped."""
        reading = self.english.read(normalize(message or ""))
        text = _BREAKS.sub(SEPARATOR, _NON_WORD_KEEP_BREAKS.sub("", reading.text)).strip(SEPARATOR)
        return text, reading.dropped

    def query(self, message: str) -> Query:
        """``message`` read for scoring (see ``Query``). A parse reads the same message four times
        (``scores``, ``specific``, ``untranslated``, ``reading``), and the typo corrector is most of
        each read: the last few reads are kept, and each caller gets its own copy, since
        ``scores`` sets ``unknown`` on it."""
        cache: dict[str, Query] = self.__dict__.setdefault("_queries", {})
        found = cache.get(message)
        if found is None:
            if len(cache) >= QUERY_CACHE:
                cache.clear()
            found = cache[message] = self._query(message)
        return replace(found)

    def _query(self, message: str) -> Query:
        raw, dropped = self._read(message)
        text = _CLASSIFIER.sub("", self.corrector.correct(raw))
        rewritten = text
        extra: list[str] = []
        # Longest colloquial words first; a replaced span is not rewritten again.
        placeholders: list[str] = []
        for key in self._terms_in(text):
            if key in rewritten:
                targets = self.lexicon.terms[key]
                if not targets:
                    continue
                # The official term that keeps most of what was said (残疾护理补贴 → 重度残疾人
                # 护理补贴, not the first-listed 困难残疾人生活补贴); the others are scored.
                chosen = max(targets, key=lambda t: (sum(c in t for c in set(key)), -targets.index(t)))
                rewritten = rewritten.replace(key, f"\x00{len(placeholders)}\x00")
                placeholders.append(chosen)
                extra += [t for t in targets if t != chosen]
        actions: set[int] = set()
        for i, action in enumerate(self.lexicon.actions):
            said = [s for s in action["said"] if s in rewritten]
            named = [n for n in action["names"] if n in text]
            if said or named:
                actions.add(i)
            # The action is a modifier (the action factor weighs it), not what is asked about:
            # its spoken words leave the message and its official words are only scored.
            for s in sorted(said, key=len, reverse=True):
                rewritten = rewritten.replace(s, "\x01")
            if said or named:
                extra += [n for n in action["names"] if n not in text]
        for word in self.lexicon.ignore:
            rewritten = rewritten.replace(word, "\x01")
        left_over = [run for run in _LATIN_RUN.findall(rewritten) if run not in self.vocab]
        rewritten = _LATIN_RUN.sub(self._latin_left_over, rewritten)
        rewritten = re.sub(r"\x00(\d+)\x00", lambda m: placeholders[int(m.group(1))], rewritten)
        return Query(
            text,
            rewritten,
            extra,
            actions,
            raw=raw,
            untranslated=dropped + sum(map(len, left_over)),
            length=len(clean(message)),
        )

    def reading(self, text: str, correct: bool = True) -> str:
        """``text`` as the learnt classifier reads it (``bot.nlu.learnt``): normalised, English
        read through the lexicon, the spoken classifier 个 gone, and, for a message, typos
        corrected. Registry texts and phrases are read without the corrector: they are spelt
        right, and correcting fourteen thousand of them would cost training a quarter minute."""
        read = self.query(text).text if correct else _CLASSIFIER.sub("", self._read(text)[0])
        return read.replace(SEPARATOR, " ")

    def _terms_in(self, text: str) -> list[str]:
        """The lexicon's keys that occur in ``text``, longest first as ``_term_keys`` orders them.

        The same keys, in the same order, as testing each of the thousands of keys against the
        text, which was most of the matcher's time a message: here only the text's own substrings
        of the keys' lengths are looked up (a few hundred set lookups)."""
        found = {
            text[i : i + n]
            for n in self._term_lengths
            for i in range(len(text) - n + 1)
            if text[i : i + n] in self._term_rank
        }
        found.update(self._digit_keys)
        return sorted(found, key=self._term_rank.__getitem__)

    def _latin_left_over(self, match: re.Match[str]) -> str:
        """English the lexicon did not translate (how do i, my, in, the …) leaves the message: its
        letter pairs are in no registry text, and counted as unknown they would make every entry
        look unlike an English question, however well its translated words match. A run that is
        itself a registry word (ktv, a1) stays."""
        run = match.group(0)
        return run if run in self.vocab else "\x01"

    def _query_vector(self, q: Query) -> tuple[dict[int, float], dict[int, float]]:
        """Features of the rewritten message (what must be covered), and all scored features."""
        main: dict[int, float] = {}
        for part in q.rewritten.split("\x01"):
            for fid, w in self._features(part).items():
                main[fid] = max(main.get(fid, 0.0), min(w, 1.0))
        qvec = dict(main)
        original = q.text
        for word in self.lexicon.ignore:  # 怎么, 长沙 … say nothing, as typed or rewritten
            original = original.replace(word, "\x01")
        for part in original.split("\x01"):
            for fid, w in self._features(part).items():
                qvec[fid] = max(qvec.get(fid, 0.0), 0.7 * min(w, 1.0))
        for word in q.extra:
            for fid, w in self._features(word).items():
                qvec[fid] = max(qvec.get(fid, 0.0), 0.5 * min(w, 1.0))
        return main, qvec

    def scores(
        self, message: str, focus: str | None = None, background: float = 1.0
    ) -> tuple[np.ndarray, np.ndarray, Query]:
        """Coverage-like scores (0..1) for every entry, and the "named" strength per entry.

        With a ``focus`` (the part of the message that asks), the message's features that the
        focus lacks weigh ``background`` times their weight, in what an entry covers and in what
        a perfect match would cover: the story still tells entries apart, the request leads."""
        q = self.query(message)
        main, qvec = self._query_vector(q)
        q.unknown = self._unknown(q)
        if focus:
            self._weigh_story(q, main, qvec, self.query(focus), background)
        n = len(self.entries)
        if not qvec:
            return np.zeros(n), np.zeros(n), q
        fids = np.fromiter(qvec, dtype=np.int64)
        qw = np.fromiter(qvec.values(), dtype=float)
        in_main = np.fromiter((f in main for f in qvec), dtype=bool, count=len(qvec))
        # Coverage: how much of what the message asks about (its rewritten words) an entry
        # has, against a perfect match; other spellings and action words add a little.
        denom = float(self.idf_name[fids[in_main]] @ qw[in_main]) + OOV_WEIGHT * q.unknown
        denom = denom or 1.0
        sub = self.weights[:, fids]
        raw_main = np.asarray(sub[:, in_main] @ qw[in_main]).ravel()
        raw_extra = np.asarray(sub[:, ~in_main] @ qw[~in_main]).ravel() if (~in_main).any() else 0.0
        cover = np.minimum(1.0, raw_main / denom) + EXTRA_SHARE * np.minimum(1.0, raw_extra / denom)
        factor = self.priors.copy()
        if q.actions and self._action_matrix.size:
            wanted = np.zeros(self._action_matrix.shape[1], dtype=bool)
            wanted[list(q.actions)] = True
            has_any = self._action_matrix.any(axis=1)
            matches = self._action_matrix[:, wanted].any(axis=1)
            factor = factor * np.where(matches, ACTION_MATCH, np.where(has_any, ACTION_MISMATCH, 1.0))
        # Names are looked for across the breaks between kept English phrases (签证申请表jw202表).
        raw, text = (q.raw or q.text).replace(SEPARATOR, ""), q.text.replace(SEPARATOR, "")
        named = self._named(raw, 1.0)
        if raw != text:
            named = np.maximum(named, self._named(text, 1.0))
        if q.rewritten != q.text:
            via = self._named(q.rewritten.replace("\x01", ""), 0.6)
            named = np.maximum(named, via)
        return cover * factor * self._said_of_name(cover * factor, qvec), named, q

    def _unknown(self, q: Query) -> int:
        """Bigrams of the rewritten message that no registry text has."""
        return sum(
            1 for part in q.rewritten.split("\x01") for bg in _bigrams(part) if "#" + bg not in self.vocab
        )

    def _weigh_story(
        self, q: Query, main: dict[int, float], qvec: dict[int, float], asked: Query, background: float
    ) -> None:
        """The message's features (and unknown bigrams) that its asking part lacks weigh
        ``background`` times as much: in place, on what ``scores`` is about to score."""
        _, focus_vec = self._query_vector(asked)
        for vec in (main, qvec):
            for fid in vec:
                if fid not in focus_vec:
                    vec[fid] *= background
        asked_unknown = self._unknown(asked)
        q.unknown = asked_unknown + background * max(0, q.unknown - asked_unknown)

    def _name_features(self, i: int) -> list[tuple[tuple[tuple[int, float], ...], float]]:
        """Each of the entry's names (official, aliases): its (feature, idf weight) pairs and
        their total weight. Plain tuples, not arrays: a name has a handful of features, and
        numpy's per-call overhead on arrays that small cost more than the sums themselves
        (it was the matcher's largest cost a turn)."""
        cache = self.__dict__.setdefault("_name_feature_cache", {})
        if i not in cache:
            e = self.entries[i]
            out = []
            for text in dict.fromkeys([*name_variants(e.name)[-1:], *map(clean, e.aliases)]):
                feats = self._features(text)
                if feats:
                    pairs = tuple((int(f), float(self.idf_name[f])) for f in feats)
                    out.append((pairs, sum(w for _, w in pairs) or 1.0))
            cache[i] = out
        return cache[i]

    def _said_of_name(self, scores: np.ndarray, qvec: dict[int, float]) -> np.ndarray:
        """How much of the best-scoring entries' own name the message says, as a factor.

        Coverage alone asks only how much of the message an entry has: 驾照丢了怎么补 is then
        covered as well by 拖拉机驾驶证补领 as by 补领驾驶证. The share of the entry's name (or
        its best alias) that the message says, idf-weighted, separates them: a name's own
        distinguishing word (拖拉机) that the message never says costs the entry.
        """
        factor = np.ones(len(scores))
        if not qvec or not scores.any():
            return factor
        k = min(NAME_SHARE_TOP, len(scores))
        for i in np.argpartition(-scores, k - 1)[:k]:
            if scores[i] <= 0:
                continue
            best = 0.0
            for pairs, total in self._name_features(int(i)):
                best = max(best, sum(w for f, w in pairs if f in qvec) / total)
            factor[i] = NAME_SHARE_FLOOR + (1 - NAME_SHARE_FLOOR) * best
        return factor

    def _named(self, text: str, strength: float) -> np.ndarray:
        """Entries whose name or alias occurs in ``text``, except names inside a longer named one."""
        spans: list[tuple[int, int, list[tuple[int, float]]]] = []
        n = len(text)
        for i in range(n - 1):
            for length in self._name_starts.get(text[i : i + 2], ()):
                if i + length > n:
                    continue
                hit = self._names.get(text[i : i + length])
                if hit:
                    spans.append((i, i + length, hit))
        # A span is inside a longer one when a span that starts before it ends at or after its
        # end, or one that starts with it ends after it: the furthest end of the spans starting
        # before each position and at it says so, without comparing every pair.
        furthest_at = [-1] * (n + 1)
        for start, end, _ in spans:
            furthest_at[start] = max(furthest_at[start], end)
        furthest_before = [-1] * (n + 1)
        for i in range(1, n + 1):
            furthest_before[i] = max(furthest_before[i - 1], furthest_at[i - 1])
        out = np.zeros(len(self.entries))
        for start, end, hit in spans:
            if furthest_before[start] >= end or furthest_at[start] > end:
                continue
            for i, weight in hit:
                # A direct hit keeps at least NAMED_FLAG (named); a longer name is a little surer.
                longer = 0.1 * min(1.0, (end - start) / 8)
                value = strength * (weight + longer if weight >= NAMED_ALIAS else weight)
                out[i] = max(out[i], value)
        return out

    def specific(self, message: str) -> bool:
        """Whether the message says what it is about: a registry word beyond the generic ones
        (证, 证明, 手续) and the actions (补, 换). 我要补个证 and 我想办事 do not; 补个身份证 does."""
        q = self.query(message)
        rest = q.rewritten
        for word in [*self.lexicon.generic, *(n for a in self.lexicon.actions for n in a["names"])]:
            rest = rest.replace(word, "\x01")
        lengths = [n for n in self._word_lengths if n >= 2]
        for part in rest.split("\x01"):
            for i in range(len(part)):
                for length in lengths:
                    if i + length <= len(part) and part[i : i + length] in self.vocab:
                        return True
        return False

    def focus(self, message: str) -> tuple[str | None, float]:
        """The part of a long message that asks (None for a short one, or one that is all
        request), and the weight its story keeps (``STORY_WEIGHT`` … 1, by length)."""
        last = getattr(self, "_last_focus", None)
        if last is not None and last[0] == message:
            return last[1]
        ramp = (len(clean(message)) - FOCUS_FROM) / (FOCUS_FULL - FOCUS_FROM)
        ramp = min(1.0, max(0.0, ramp))
        found: tuple[str | None, float] = (None, 1.0)
        if ramp > 0 and STORY_WEIGHT < 1:
            focus = request_focus(message, names=self.specific)
            found = (focus, 1 - (1 - STORY_WEIGHT) * ramp) if focus else found
        self._last_focus = (message, found)
        return found

    def final_scores(self, message: str) -> tuple[np.ndarray, np.ndarray]:
        last = getattr(self, "_last", None)
        if last is not None and last[0] == message:
            return last[1], last[2]
        focus, background = self.focus(message)
        base, named, _ = self.scores(message, focus, background)
        base = np.minimum(base, 1.0)
        final = np.where(named > 0, NAMED_SHARE * named + (1 - NAMED_SHARE) * base, base)
        self._last = (message, final, named)
        return final, named

    def _item(self, i: int, final: np.ndarray, named: np.ndarray) -> dict[str, Any]:
        e = self.entries[i]
        item = {
            "id": e.id,
            "kind": e.kind,
            "name": e.name,
            "score": round(float(final[i]), 4),
            "named": bool(named[i] >= NAMED_FLAG),
        }
        if named[i] >= NAMED_FLAG:
            item["match"] = "name" if named[i] >= 1.0 else "alias"
        if self._bundled_by[i]:
            item["scenarios"] = list(self._bundled_by[i])  # the one-thing scenarios that bundle it
        return item

    def rank(self, message: str, top: int = 10) -> list[dict[str, Any]]:
        """The best ``top`` entries: id, kind, name, score (0..1), named."""
        final, named = self.final_scores(message)
        if not final.any():
            return []
        k = min(top, len(final))
        best = np.argpartition(-final, k - 1)[:k]
        order = [int(i) for i in best[np.argsort(-final[best], kind="stable")] if final[i] > 0]
        # A named entry is never left out, even when many unnamed ones score higher.
        flagged = np.flatnonzero(named >= NAMED_FLAG)
        order += [int(i) for i in flagged[np.argsort(-final[flagged])][:MAX_NAMED] if i not in set(order)]
        return [self._item(i, final, named) for i in order]

    def entries_by_id(self, ids: list[str], message: str) -> list[dict[str, Any]]:
        """These entries as ranking items for ``message`` (score 0 when nothing matches)."""
        if not ids:
            return []
        if not hasattr(self, "_by_id"):
            self._by_id = {e.id: i for i, e in enumerate(self.entries)}
        final, named = self.final_scores(message)
        return [self._item(self._by_id[x], final, named) for x in ids if x in self._by_id]


def _language_word(text: str, count: int) -> bool:
    """A word of everyday Chinese seen at least ``count`` times (Jieba's dictionary; its
    zero-count entries are only prefixes)."""
    import jieba

    if not jieba.dt.initialized:
        jieba.dt.initialize()
    return jieba.dt.FREQ.get(text, 0) >= max(1, count)


def _field_texts(e: Entry) -> dict[str, tuple[str, ...]]:
    texts = dict(e.fields)
    texts["name"] = tuple(name_variants(e.name)[1:2] or name_variants(e.name)[:1])
    texts["aliases"] = tuple(e.aliases)
    return texts


def build_index(entries: Iterable[Entry], lexicon: Lexicon) -> Index:
    return Index.build(list(entries), lexicon)
