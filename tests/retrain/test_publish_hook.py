"""The editor's publish hook (bot/admin/hooks.py) starts a retrain exactly when the published
change touches what the model learns from, and the subscription ends with the web server.
The training command here is the project's own with a bad option, so it fails in a second
instead of training: what is checked is which publishes start a run, and why."""

from __future__ import annotations

import sys
from pathlib import Path

from bot.admin import on_publish
from bot.admin.hooks import published_touches_model, run_publish_hooks
from bot.retrain.job import Retrainer
from bot.retrain.web import subscribe
from bot.settings import load_settings


def record(op: dict, source: str) -> dict:
    change = {"target": {"kind": "scenario", "id": "newborn"}, "ops": [op]}
    published = {"id": 7, "author": "editor-1", "reviewer": "reviewer-1", "source": source, "change": change}
    return {**published, "touches_model": published_touches_model(published)}


def test_a_published_names_change_retrains_and_a_requirement_change_does_not(tmp_path: Path) -> None:
    settings = load_settings(var_dir=tmp_path)
    retrainer = Retrainer(settings, command=[sys.executable, "-m", "bot", "train", "--no-such-option"])
    before = list(on_publish)  # other apps built in this process may have subscribed too
    unsubscribe = subscribe(retrainer)
    assert len(on_publish) == len(before) + 1
    try:
        requirement = {
            "op": "requirement",
            "material": "m1",
            "seed_name": "x",
            "necessity": "required",
            "fields": ["necessity"],
        }
        run_publish_hooks(record(requirement, "湘政办发〔2026〕1号"))
        assert retrainer.status()["run"] is None
        run_publish_hooks(
            record({"op": "names", "name": "新生儿出生", "aliases": ["生孩子"]}, "湘政办发〔2026〕2号")
        )
        run = retrainer.wait(120)
        assert run is not None and run.by == "reviewer-1" and "湘政办发〔2026〕2号" in run.reason
        assert run.state == "failed"  # the deliberately bad command: nothing was loaded
    finally:
        unsubscribe()
        retrainer.close()
    assert on_publish == before  # this subscription, and only it, is gone
