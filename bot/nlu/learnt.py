"""Which detailed entry a message is most like, learnt from people's words: a linear classifier.

The matcher (``bot.nlu.retrieval``) ranks entries by the words a message shares with them, each
word weighed by how rare it is. That finds the entry whose texts say most of the message, but not
which words tell two neighbours apart: 社保卡密码忘了 shares 社保卡 with a dozen matters, and only
密码 decides. A linear classifier over the same texts learns that weighting from the examples
themselves. It is trained on every scenario's and detailed matter's names, aliases and people's
own phrases (``data/nlu/matters``, ``data/nlu/scenarios``), one class per entry. Catalogue-only
entries have a name and perhaps an alias, and there are 2,807 of them: they get a classifier of
their own, over their names and aliases (one over all 3,187 entries took 85 s to fit; these
two, side by side, about 20 s).

Character unigrams and bigrams (Chinese needs no segmentation for them; a typo costs two of them,
not a word), TF-IDF with sublinear counts, a linear SVM. On the development sets, alone, it put
the meant matter first for 0.85 of the messages about one (the matcher 0.68, both with the
decision's rules), and the scenario for 0.94. Its score for each candidate is one more feature of
the re-ranker (``bot.nlu.rerank``), and its three best entries join the matcher's candidates.
The catalogue's classifier does the same for its entries (catalogue entries the re-ranker put
first: development sets 0.57 → 0.65; among the first three, 0.86 → 0.88 with its candidates).

Kept as plain arrays in the model (n-grams, idf, sparse weights, class ids): reading a message
needs numpy and scipy only; scikit-learn fits it at training time.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from bot.nlu.entries import Entry

# Chosen on the development sets: (1, 2) and C 0.5 did as well as (1, 3) or C 1.0, and keep the
# weights a fifth the size.
MAX_N = 2
C = 0.5


def ngrams(text: str) -> list[str]:
    """Character n-grams (1..MAX_N) of each space-separated word, padded with a space at each
    end so that a word's first and last characters are told apart (scikit-learn's ``char_wb``)."""
    out: list[str] = []
    for word in text.split():
        padded = f" {word} "
        for n in range(1, MAX_N + 1):
            out.extend(padded[i : i + n] for i in range(len(padded) - n + 1))
    return out


def examples(entries: Iterable[Entry], catalogue: bool = False) -> tuple[list[str], list[str]]:
    """Texts and entry ids to learn from: every detailed entry's names and people's words, or
    (``catalogue``) every catalogue-only entry's name and aliases."""
    texts: list[str] = []
    labels: list[str] = []
    for e in entries:
        if (e.kind == "catalogue") != catalogue:
            continue
        for text in (e.name, *e.aliases, *e.fields.get("phrases", ()), *e.fields.get("scenario_phrases", ())):
            texts.append(text)
            labels.append(e.id)
    return texts, labels


@dataclass(frozen=True)
class EntryClassifier:
    """TF-IDF over ``ngrams``, then one linear score per entry (higher: more like it)."""

    vocabulary: dict[str, int]
    idf: np.ndarray
    weights: sp.csr_matrix  # features × classes
    intercept: np.ndarray
    classes: tuple[str, ...]
    _positions: dict[str, int] = field(init=False, repr=False, compare=False)

    @classmethod
    def fit(cls, texts: Sequence[str], labels: Sequence[str], c: float = C) -> EntryClassifier:
        """Fit on texts already read as messages will be (``Index.reading``)."""
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.svm import LinearSVC

        vectorizer = TfidfVectorizer(analyzer=ngrams, sublinear_tf=True)
        x = vectorizer.fit_transform(texts)
        classes = tuple(sorted(set(labels)))
        index = {c: i for i, c in enumerate(classes)}
        svm = LinearSVC(C=c, random_state=0).fit(x, [index[label] for label in labels])
        coef = np.asarray(svm.coef_, dtype=np.float32)
        intercept = np.asarray(svm.intercept_, dtype=np.float32)
        if len(classes) == 2:  # scikit-learn keeps one row for two classes
            coef = np.vstack([-coef[0], coef[0]])
            intercept = np.array([-intercept[0], intercept[0]], dtype=np.float32)
        # Weights this small change no score by a thousandth: dropped, the matrix stays sparse.
        coef[np.abs(coef) < 1e-3] = 0.0
        vocabulary = {str(k): int(v) for k, v in vectorizer.vocabulary_.items()}
        return cls(vocabulary, np.asarray(vectorizer.idf_), sp.csr_matrix(coef.T), intercept, classes)

    def _weighted(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """The n-grams of ``text`` the classifier knows and their TF-IDF values: sublinear counts
        times idf, unit length (as fitted)."""
        counts = Counter(self.vocabulary[g] for g in ngrams(text) if g in self.vocabulary)
        cols = np.fromiter(counts, dtype=np.int64, count=len(counts))
        values = (1.0 + np.log(np.fromiter(counts.values(), dtype=float, count=len(counts)))) * self.idf[cols]
        norm = np.linalg.norm(values)
        return cols, values / norm if norm else values

    def vector(self, text: str) -> sp.csr_matrix:
        """The TF-IDF row of ``text``, as scikit-learn's fitted vectorizer makes it."""
        cols, values = self._weighted(text)
        rows = np.zeros(len(cols), dtype=np.int64)
        return sp.csr_matrix((values, (rows, cols)), shape=(1, len(self.vocabulary)))

    def scores(self, text: str) -> np.ndarray:
        """Each entry's score for ``text``, in ``classes`` order (its signed distance from the
        entry's boundary: above 0, more like it than not). Only the weights of the message's own
        n-grams are read: a sparse row times the whole matrix cost eight times as much."""
        cols, values = self._weighted(text)
        if not len(cols):
            return self.intercept.astype(float)
        return np.asarray(self.weights[cols].T @ values).ravel() + self.intercept

    def position(self, entry_id: str) -> int | None:
        """Where ``entry_id`` is in ``classes`` (None: not one of this classifier's entries)."""
        return self._positions.get(entry_id)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_positions", {c: i for i, c in enumerate(self.classes)})

    def save(self, directory: Path, name: str = "learnt") -> None:
        """Kept as ``<name>.json`` (n-grams, classes) and two ``.npz`` files of numbers."""
        words = sorted(self.vocabulary, key=self.vocabulary.__getitem__)
        (directory / f"{name}.json").write_text(
            json.dumps({"ngrams": words, "classes": list(self.classes)}, ensure_ascii=False), encoding="utf-8"
        )
        sp.save_npz(directory / f"{name}_weights.npz", self.weights)
        np.savez(directory / f"{name}_arrays.npz", idf=self.idf, intercept=self.intercept)

    @classmethod
    def load(cls, directory: Path, name: str = "learnt") -> EntryClassifier | None:
        """The classifier kept in ``directory`` as ``name``, or None for a model without one."""
        if not (directory / f"{name}.json").exists():
            return None
        data = json.loads((directory / f"{name}.json").read_text(encoding="utf-8"))
        arrays = np.load(directory / f"{name}_arrays.npz")
        return cls(
            {w: i for i, w in enumerate(data["ngrams"])},
            arrays["idf"],
            sp.load_npz(directory / f"{name}_weights.npz").tocsr(),
            arrays["intercept"],
            tuple(data["classes"]),
        )
