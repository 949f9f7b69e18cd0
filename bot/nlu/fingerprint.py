"""Whether a trained model came from exactly the current training inputs.

Rasa 3 writes a new model archive on every ``rasa train``, even when its cache makes the
training itself quick, so ``make run`` spent some 15 s and a new 29 MB archive on every start.
``python -m bot train`` records beside each model a fingerprint of what training reads and
keeps the newest model while that is unchanged: the files ``rasa train`` is given (config,
domain, data, the inputs generated into build/), the Jieba dictionary built from the registry,
the code of our own pipeline components, and the Rasa version.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from importlib.metadata import version
from pathlib import Path

from bot.settings import ROOT

# What training reads besides the files named on rasa train's command line: the Jieba user
# dictionary (config.yml's dictionary_path) and the code of our pipeline components (and of
# the Rasa internals they rely on).
EXTRA_INPUTS = ("build/jieba", "bot/nlu", "bot/rasa_compat")
SUFFIX = ".inputs-sha256"
# Under data/ but read by the action server after training, never by ``rasa train``: refitting
# the re-ranker on a new model must not make that model stale.
NOT_INPUTS = ("data/nlu/rerank.json",)


def _files(path: Path) -> Iterator[Path]:
    if path.is_file():
        yield path
    elif path.is_dir():
        for found in sorted(path.rglob("*")):
            relative = found.relative_to(path).parts
            if any(part.startswith(".") or part == "__pycache__" for part in relative):
                continue  # editors' and Python's own files, which training never reads
            if found.is_file() and found.suffix != ".pyc":
                yield found


def inputs_fingerprint(train_args: Iterable[str], root: Path = ROOT) -> str:
    """A digest of ``rasa train``'s arguments, every file they and :data:`EXTRA_INPUTS` name
    (names and contents), and the Rasa version."""
    args = list(train_args)
    digest = hashlib.sha256(f"rasa {version('rasa')}\0{' '.join(args)}\0".encode())
    for name in [a for a in args if not a.startswith("-")] + list(EXTRA_INPUTS):
        for file in _files(root / name):
            if file.relative_to(root).as_posix() in NOT_INPUTS:
                continue
            digest.update(f"{file.relative_to(root).as_posix()}\0".encode())
            digest.update(hashlib.sha256(file.read_bytes()).digest())
    return digest.hexdigest()


def fingerprint_file(model: Path) -> Path:
    return model.with_name(model.name + SUFFIX)


def recorded_fingerprint(model: Path) -> str | None:
    """The fingerprint recorded when ``model`` was trained; None for a model from elsewhere."""
    try:
        return fingerprint_file(model).read_text(encoding="utf-8").strip() or None
    except OSError:
        return None


def record_fingerprint(model: Path, fingerprint: str) -> None:
    fingerprint_file(model).write_text(fingerprint + "\n", encoding="utf-8")
