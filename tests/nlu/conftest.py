"""The registry matcher's index over the real registry and lexicon, built once for the NLU tests
that rank messages with it (a build reads every entry and takes seconds); tests only read it."""

from __future__ import annotations

import pytest

from bot.nlu.entries import registry_entries
from bot.nlu.retrieval import Index, Lexicon
from bot.settings import ROOT


@pytest.fixture(scope="session")
def index() -> Index:
    return Index.build(
        registry_entries(
            ROOT / "data" / "registry", ROOT / "data" / "nlu" / "matters", ROOT / "data" / "nlu" / "scenarios"
        ),
        Lexicon.load(ROOT / "data/nlu/synonyms.yml"),
    )


def best(index: Index, text: str) -> str:
    """The id the matcher ranks first for ``text``."""
    return index.rank(text, 3)[0]["id"]
