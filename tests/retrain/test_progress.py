"""Reading a training run's output into progress: on the output of a real cached run
(fixtures/train-cached.out.txt, `python -m bot train --out …` as recorded), and on Rasa's own
line formats for a run that trains from scratch, including tqdm's carriage-return bars."""

from __future__ import annotations

from pathlib import Path

from bot.retrain.job import segments_keep_tail
from bot.retrain.progress import EXPECTED_COMPONENTS, TrainingProgress, segments
from bot.settings import ROOT

CACHED = Path(__file__).with_name("fixtures") / "train-cached.out.txt"
HOOK = "2026-12-03 03:55:22 INFO     rasa.engine.training.hooks  - "


def fed(lines: list[str]) -> tuple[TrainingProgress, list[int]]:
    progress, seen = TrainingProgress(), []
    for line in lines:
        progress.feed(line)
        seen.append(progress.percent)
    return progress, seen


def test_a_cached_run_reaches_its_model_through_every_phase() -> None:
    progress, seen = fed(CACHED.read_text(encoding="utf-8").splitlines())
    assert progress.phase == "trained" and progress.percent == 100
    assert progress.model == Path("/tmp/models/20261203-214326-pizzicato-dachshund.tar.gz")
    assert not progress.unchanged
    assert progress.components_done == EXPECTED_COMPONENTS == 10  # the pipeline as config.yml has it
    assert seen == sorted(seen)  # never goes backwards
    assert 0 < seen[0] < 10 and 95 <= seen[-3] < 100  # inputs first; all components restored before saving


def test_a_run_from_scratch_moves_with_each_component_and_its_epochs() -> None:
    progress = TrainingProgress()
    progress.feed("[train] from the registry: 52 scenario intents")
    assert (progress.phase, progress.percent) == ("inputs", 5)
    progress.feed(HOOK + "Starting to train component 'CountVectorsFeaturizer'.")
    progress.feed(HOOK + "Finished training component 'CountVectorsFeaturizer'.")
    progress.feed(HOOK + "Starting to train component 'DIETClassifier'.")
    assert progress.component == "DIETClassifier"
    before = progress.percent
    tqdm = "Epochs:   0%|          | 0/40 [00:00<?, ?it/s]\rEpochs:  50%|█████     | 20/40 [00:10<00:10, 2.0it/s, t_loss=3.1]\r"
    for part in segments(tqdm):
        progress.feed(part)
    assert progress.epoch_percent == 50 and progress.percent > before
    assert not any("Epochs" in line for line in progress.log)  # the bar's redraws stay out of the log
    progress.feed(HOOK + "Finished training component 'DIETClassifier'.")
    assert progress.components_done == 2 and progress.epoch_percent == 0


def test_an_unchanged_run_names_the_model_it_keeps_relative_to_the_project() -> None:
    progress, _ = fed(
        [
            "[train] nothing changed since models/20261203-024417-connected-sort.tar.gz: using it (python -m bot train --force …)"
        ]
    )
    assert progress.unchanged and progress.phase == "trained"
    assert progress.model == ROOT / "models" / "20261203-024417-connected-sort.tar.gz"


def test_more_components_than_expected_never_pass_95_percent_before_saving() -> None:
    progress = TrainingProgress()
    for _ in range(EXPECTED_COMPONENTS + 5):
        progress.feed(HOOK + "Finished training component 'X'.")
        assert progress.percent <= 95


def test_output_is_split_at_line_ends_keeping_an_unfinished_tail() -> None:
    assert segments_keep_tail("a\nb\rc") == ["a", "b", "c"]
    assert segments_keep_tail("a\nb\n") == ["a", "b", ""]
    assert segments_keep_tail("") == [""]
