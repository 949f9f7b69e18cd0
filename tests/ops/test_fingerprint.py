"""`make run` and `make train` keep the newest model while its training inputs are unchanged."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.nlu import cli
from bot.nlu.fingerprint import fingerprint_file, inputs_fingerprint, recorded_fingerprint

ARGS = ["--config", "config.yml", "--data", "data"]


def _tree(root: Path) -> Path:
    (root / "data" / "nlu").mkdir(parents=True)
    (root / "config.yml").write_text("pipeline: []\n")
    (root / "data" / "nlu" / "phrases.yml").write_text("nlu: []\n")
    (root / "bot" / "nlu").mkdir(parents=True)
    (root / "bot" / "nlu" / "tokenizer.py").write_text("X = 1\n")
    return root


def test_the_fingerprint_follows_what_training_reads(tmp_path: Path) -> None:
    root = _tree(tmp_path)
    first = inputs_fingerprint(ARGS, root)
    assert inputs_fingerprint(ARGS, root) == first

    (root / "data" / "nlu" / ".phrases.yml.swp").write_text("an editor's")
    (root / "bot" / "nlu" / "__pycache__").mkdir()
    (root / "bot" / "nlu" / "__pycache__" / "tokenizer.cpython-310.pyc").write_bytes(b"\0")
    assert inputs_fingerprint(ARGS, root) == first, "files training never reads count for nothing"

    (root / "data" / "nlu" / "phrases.yml").write_text("nlu: [changed]\n")
    second = inputs_fingerprint(ARGS, root)
    assert second != first
    (root / "bot" / "nlu" / "tokenizer.py").write_text("X = 2\n")
    assert inputs_fingerprint(ARGS, root) != second, "our pipeline components' code counts"
    assert inputs_fingerprint([*ARGS, "--force"], root) != inputs_fingerprint(ARGS, root)


@pytest.fixture
def fake_training(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict:
    """train() in a tree of its own, with `rasa train` replaced by writing a numbered model."""
    state = {"fingerprint": "inputs-1", "trainings": 0}
    models = tmp_path / "models"
    models.mkdir()

    def rasa(*args: str) -> object:
        state["trainings"] += 1
        model = models / f"model-{state['trainings']}.tar.gz"
        model.write_bytes(b"model")
        os.utime(model, (1e9 + state["trainings"],) * 2)  # newer by a second, whatever the clock's grain
        return type("Done", (), {"returncode": 0})()

    monkeypatch.setattr(cli, "ROOT", tmp_path)
    monkeypatch.setattr(cli, "MODELS", models)
    monkeypatch.setattr(cli, "_rasa", rasa)
    monkeypatch.setattr(cli, "inputs_fingerprint", lambda args: state["fingerprint"])
    counts = dict.fromkeys(
        (
            "scenarios",
            "scenarios_by_matcher_only",
            "dictionary_words",
            "material_names",
            "synonym_sets",
            "matter_phrases",
            "matters_with_phrases",
        ),
        0,
    )
    monkeypatch.setattr(cli, "prepare_inputs", lambda: counts)
    return state


def test_train_keeps_the_newest_model_while_nothing_changed(
    fake_training: dict, capsys: pytest.CaptureFixture[str]
) -> None:
    first = cli.train()
    assert fake_training["trainings"] == 1 and recorded_fingerprint(first) == "inputs-1"

    assert cli.train() == first
    assert fake_training["trainings"] == 1
    assert "nothing changed since models/model-1.tar.gz" in capsys.readouterr().out

    fake_training["fingerprint"] = "inputs-2"
    second = cli.train()
    assert fake_training["trainings"] == 2 and second != first

    assert cli.train(force=True) != second
    assert fake_training["trainings"] == 3


def test_only_the_newest_two_models_and_their_fingerprints_are_kept(fake_training: dict) -> None:
    models = [cli.train(force=True) for _ in range(3)]
    assert not models[0].exists() and not fingerprint_file(models[0]).exists()
    assert all(m.exists() and fingerprint_file(m).exists() for m in models[1:])


def test_a_model_without_a_fingerprint_is_trained_again(fake_training: dict) -> None:
    first = cli.train()
    fingerprint_file(first).unlink()  # a model from before fingerprints, or copied in by hand
    assert cli.train() != first
