"""What a training run's output says about how far it is, in figures a page can show.

``python -m bot train`` prints its own ``[train]`` lines (inputs built, nothing changed,
done with the model's path) and Rasa's: one "Starting to train component" / "Finished
training component" (or "Restored component … from cache") per graph node that trains,
and tqdm's "Epochs: 45%|" bars for the neural components, written with carriage returns.
Reading these lines is the only view into the child process, so the parser is pure and
tested on recorded output (tests/retrain/test_progress.py): a Rasa upgrade that rewords a
line shows up there, not as a progress bar that never moves.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from bot.settings import ROOT

# Phases in the order a run goes through them, with the words the page shows.
PHASES = {
    "starting": "正在启动训练",
    "inputs": "正在根据材料库生成训练数据",
    "training": "正在训练模型",
    "saving": "正在保存模型",
    "trained": "训练完成",
}
# Graph nodes that train in this project's pipeline, as a full training logs them (config.yml:
# the tokenizer, two featurizers, DIET, the known-phrase classifier, the regex extractor, the
# synonym mapper, the registry matcher and two policies): the denominator while the run has not
# said how many there are.
EXPECTED_COMPONENTS = 10

_STARTED = re.compile(r"Starting to train component '([\w.]+)'")
_FINISHED = re.compile(r"(?:Finished training component|Restored component) '([\w.]+)'")
_EPOCHS = re.compile(r"Epochs:\s+(\d+)%")
_SAVED = re.compile(r"Your Rasa model is trained and saved at '([^']+\.tar\.gz)'")
_DONE = re.compile(r"^\[train\] done in \d+s: (\S+\.tar\.gz)")
_UNCHANGED = re.compile(r"^\[train\] nothing changed since (\S+\.tar\.gz): using it")
_INPUTS = re.compile(r"^\[train\] from the registry:")


@dataclass
class TrainingProgress:
    """The state of one training run as its output has told it so far."""

    phase: str = "starting"
    component: str | None = None
    components_done: int = 0
    epoch_percent: int = 0
    model: Path | None = None
    unchanged: bool = False  # the newest model already came from these inputs: nothing trained
    log: list[str] = field(default_factory=list)

    def feed(self, line: str) -> None:
        """Take one line (or one carriage-return segment) of the child's output."""
        line = line.strip()
        if not line:
            return
        if _EPOCHS.search(line) is None:  # tqdm redraws its bar hundreds of times: keep the log short
            self.log = [*self.log[-199:], line]
        if _INPUTS.search(line):
            self.phase = "inputs"
        elif found := _STARTED.search(line):
            self.phase, self.component, self.epoch_percent = "training", found.group(1), 0
        elif found := _FINISHED.search(line):
            self.phase = "training"
            self.components_done += 1
            self.component, self.epoch_percent = None, 0
        elif found := _EPOCHS.search(line):
            self.epoch_percent = int(found.group(1))
        elif found := _SAVED.search(line):  # Rasa's own word, for a command that is plain `rasa train`
            self.phase, self.model = "saving", _absolute(found.group(1))
        elif found := _DONE.search(line) or _UNCHANGED.search(line):
            self.model = _absolute(found.group(1))
            self.unchanged = found.re is _UNCHANGED
            self.phase = "trained"

    def finish(self) -> None:
        """The command exited successfully: trained, if it named its model."""
        if self.model is not None:
            self.phase = "trained"

    @property
    def percent(self) -> int:
        """0–100: inputs are the first 5, the components the next 90, saving the rest."""
        if self.phase == "trained":
            return 100
        if self.phase == "saving":
            return 97
        if self.phase == "starting":
            return 0
        total = max(EXPECTED_COMPONENTS, self.components_done + (self.component is not None))
        done = self.components_done + self.epoch_percent / 100
        return min(95, 5 + int(90 * done / total))

    def as_dict(self) -> dict[str, object]:
        return {
            "phase": self.phase,
            "phase_label": PHASES[self.phase],
            "percent": self.percent,
            "component": self.component,
            "components_done": self.components_done,
            "model": None if self.model is None else self.model.name,
            "unchanged": self.unchanged,
        }


def _absolute(path: str) -> Path:
    """The train command prints paths relative to the project when they are inside it."""
    found = Path(path)
    return found if found.is_absolute() else ROOT / found


def segments(chunk: str) -> list[str]:
    """A chunk of output split at newlines and tqdm's carriage returns."""
    return [part for part in re.split(r"[\r\n]+", chunk) if part.strip()]
