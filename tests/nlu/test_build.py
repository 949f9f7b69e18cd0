"""What `python -m bot train` derives for the registry matcher: its config with data digests."""

from __future__ import annotations

import yaml

from bot.nlu.build import MATCHER, write_config
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
