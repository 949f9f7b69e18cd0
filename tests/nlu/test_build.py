"""What `python -m bot train` derives for the registry matcher: its config with data digests."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.nlu.build import (
    MATCHER,
    MATCHER_CODE,
    MissingPhrases,
    check_matter_phrases,
    matcher_digests,
    matter_phrases,
    write_config,
)
from bot.settings import ROOT


def test_config_carries_the_digests_so_a_registry_change_retrains(tmp_path):
    target = write_config(
        {"registry_digest": "abc", "synonyms_digest": "def"}, ROOT / "config.yml", tmp_path / "config.yml"
    )
    pipeline = yaml.safe_load(target.read_text(encoding="utf-8"))["pipeline"]
    matcher = [c for c in pipeline if c["name"] == MATCHER]
    assert (
        len(matcher) == 1
        and matcher[0]["registry_digest"] == "abc"
        and matcher[0]["synonyms_digest"] == "def"
    )
    # The matcher runs last: it reads the intents (a vague request) and never changes them.
    assert pipeline[-1]["name"] == MATCHER
    source = yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))
    assert [c["name"] for c in source["pipeline"]] == [c["name"] for c in pipeline]


def test_the_matchers_code_is_in_its_digests_so_a_weight_change_rebuilds_it(monkeypatch):
    """Rasa's cache keys a component by its config and inputs, not its code: the index bakes in
    the field weights, so without this digest a new weight would leave the old index in place."""
    import bot.nlu.retrieval as retrieval

    registry = ROOT / "data" / "registry"
    before = matcher_digests(registry)
    assert {"registry_digest", "synonyms_digest", "code_digest"} <= before.keys()
    assert "retrieval" in MATCHER_CODE and "entries" in MATCHER_CODE
    source = Path(retrieval.__file__).read_bytes()
    real_read = Path.read_bytes

    def read_bytes(self: Path) -> bytes:
        return source + b"# changed\n" if self == Path(retrieval.__file__) else real_read(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    after = matcher_digests(registry)
    assert after["code_digest"] != before["code_digest"]
    assert after["registry_digest"] == before["registry_digest"]


def test_matter_phrases_teach_what_a_request_for_one_matter_sounds_like():
    phrases = set(matter_phrases(ROOT / "data" / "registry", written=set()))
    # A detailed matter's name and alias, a catalogue-only entry's name and alias.
    assert {"更正出生日期", "改出生日期", "导游人员从业资格证书核发", "导游资格证"} <= phrases
    # A matter a scenario bundles sounds like its scenario (失业保险金申领 is part of 登记失业人员
    # 就业帮扶一件事): left to the scenario's intent.
    assert "失业保险金申领" not in phrases
    # A phrase written for another intent keeps its label; Rasa's markup never gets in.
    assert "更正出生日期" not in matter_phrases(ROOT / "data" / "registry", written={"更正出生日期"})
    assert not [p for p in phrases if set(p) & set("[]{}()")]
    # Every matter and catalogue entry no scenario bundles speaks for itself: thousands.
    assert len(phrases) > 3000


def test_every_matter_has_people_s_own_words(registry):
    """data/nlu/matters/<id>.yml: what asking for that matter sounds like, which the registry
    matcher reads as the matter's words."""
    assert check_matter_phrases(registry) == sorted(registry.matters)


def test_phrases_for_an_unknown_matter_or_not_a_list_of_texts_are_reported(registry, tmp_path):
    some = sorted(registry.matters)[0]
    (tmp_path / f"{some}.yml").write_text("phrases:\n- 咋办\n", encoding="utf-8")
    assert check_matter_phrases(registry, tmp_path) == [some]
    (tmp_path / "ghost.yml").write_text("phrases:\n- 咋办\n", encoding="utf-8")
    (tmp_path / f"{some}.yml").write_text("phrases: 咋办\n", encoding="utf-8")
    with pytest.raises(MissingPhrases) as err:
        check_matter_phrases(registry, tmp_path)
    assert "ghost.yml has no matter" in str(err.value)
    assert f"{some}.yml: expected `phrases:` with a list of texts" in str(err.value)
