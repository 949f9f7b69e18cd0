"""One background retraining at a time, inside the web server process.

A run is the project's own training command as a child process (so it trains exactly as
``make train`` does, fingerprint and all, and a crash there cannot take the web server
down), at a lower CPU priority so the running bot keeps answering quickly, followed by
loading the trained model into the running Rasa server through its API. Whatever fails
(training, or Rasa refusing the archive) leaves the old model serving and the failure on
the page. A change published while a run trains is not in that run's inputs, so a request
arriving then is remembered and starts one more run when the current one ends, instead of
being refused or lost.
"""

from __future__ import annotations

import codecs
import contextlib
import itertools
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from bot.retrain.progress import TrainingProgress, segments
from bot.retrain.rasa_model import ModelLoadFailed, RasaModels
from bot.settings import ROOT, Settings

TRAIN_COMMAND = (sys.executable, "-m", "bot", "train")
# Below the servers' priority: on two cores the bot's answers come first, training takes longer.
NICENESS = 10
HISTORY = 10

STATES = {
    "training": "训练中",
    "loading": "正在加载到对话服务",
    "loaded": "新模型已上线",
    "unchanged": "训练数据未变化，沿用当前模型",
    "failed": "失败，仍使用原模型",
}


class RetrainBusy(RuntimeError):
    """A run is already going: one at a time (two trainings would fight over models/ and CPU)."""


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


@dataclass
class RetrainRun:
    """One run: why it started, who started it, how far it got."""

    id: int
    reason: str
    by: str
    started_at: str = field(default_factory=_now)
    finished_at: str | None = None
    state: str = "training"
    error: str | None = None
    progress: TrainingProgress = field(default_factory=TrainingProgress)

    @property
    def finished(self) -> bool:
        return self.state in ("loaded", "unchanged", "failed")

    def as_dict(self, log_lines: int = 20) -> dict[str, Any]:
        return {
            "id": self.id,
            "reason": self.reason,
            "by": self.by,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "state": self.state,
            "state_label": STATES[self.state],
            "error": self.error,
            "progress": self.progress.as_dict(),
            "log": self.progress.log[-log_lines:],
        }


class Retrainer:
    """The web server's one retraining slot, its queue of one, and the runs it has done."""

    def __init__(
        self,
        settings: Settings,
        command: Sequence[str] = TRAIN_COMMAND,
        rasa: RasaModels | None = None,
    ) -> None:
        self.command = list(command)
        self.rasa = rasa or RasaModels.of(settings)
        self._env = settings.environment() | {"RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2"}
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._current: RetrainRun | None = None
        self._thread: threading.Thread | None = None
        self._process: subprocess.Popen | None = None
        self._queued: tuple[str, str] | None = None
        self._history: list[RetrainRun] = []
        self._closed = False

    # -- starting ------------------------------------------------------------

    def start(self, reason: str, by: str) -> RetrainRun:
        """Start a run now; :class:`RetrainBusy` while one is going (a person asked: tell them)."""
        with self._lock:
            if self._closed:
                raise RetrainBusy("网页服务器正在停止")
            if self._current is not None and not self._current.finished:
                raise RetrainBusy(f"第 {self._current.id} 次训练正在进行（{self._current.by} 发起）")
            return self._begin(reason, by)

    def request(self, reason: str, by: str) -> RetrainRun | None:
        """Start a run, or when one is going, run once more after it (a published change asked:
        its data must reach the model, and one later run covers any number of changes)."""
        with self._lock:
            if self._closed:
                return None
            if self._current is not None and not self._current.finished:
                self._queued = (reason, by)
                return None
            return self._begin(reason, by)

    def _begin(self, reason: str, by: str) -> RetrainRun:
        run = RetrainRun(next(self._ids), reason, by)
        self._current = run
        self._thread = threading.Thread(target=self._run, args=(run,), name=f"retrain-{run.id}", daemon=True)
        self._thread.start()
        return run

    # -- the run ---------------------------------------------------------------

    def _run(self, run: RetrainRun) -> None:
        try:
            self._train(run)
            model = run.progress.model
            if model is None:
                raise RuntimeError("训练命令没有给出模型文件")
            if run.progress.unchanged and self.rasa.loaded() == model.name:
                run.state = "unchanged"
            else:
                run.state = "loading"
                self.rasa.load(model)
                run.state = "loaded"
        except (RuntimeError, OSError, ModelLoadFailed) as exc:
            run.state, run.error = "failed", str(exc)
        finally:
            run.finished_at = _now()
            print(f"[retrain] run {run.id} ({run.reason}, {run.by}): {STATES[run.state]}", flush=True)
            self._finish(run)

    def _train(self, run: RetrainRun) -> None:
        process = subprocess.Popen(
            self.command,
            cwd=ROOT,
            env={**os.environ, **self._env},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # its own group: stopping the web server stops Rasa's trainer too
        )
        self._process = process
        with contextlib.suppress(OSError):  # rasa train, started later, inherits the priority
            os.setpriority(os.PRIO_PROCESS, process.pid, NICENESS)
        assert process.stdout is not None
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        pending = ""
        while chunk := os.read(process.stdout.fileno(), 65536):
            text = pending + decoder.decode(chunk)
            *complete, pending = [*segments_keep_tail(text)]
            for line in complete:
                run.progress.feed(line)
        run.progress.feed(pending + decoder.decode(b"", final=True))
        returncode = process.wait()
        self._process = None
        if returncode != 0:
            tail = "；".join(run.progress.log[-3:])
            raise RuntimeError(f"训练命令失败（退出码 {returncode}）：{tail}")
        run.progress.finish()

    def _finish(self, run: RetrainRun) -> None:
        with self._lock:
            self._history = [run, *self._history][:HISTORY]
            queued, self._queued = self._queued, None
            if queued is not None and not self._closed:
                self._begin(*queued)

    # -- reading and stopping ------------------------------------------------------

    def status(self) -> dict[str, Any]:
        """What /admin/model shows: the run going or last done, earlier runs, the served model."""
        with self._lock:
            current = self._current
            history = [r.as_dict(log_lines=0) for r in self._history if r is not current]
            queued = self._queued is not None
        return {
            "running": current is not None and not current.finished,
            "queued": queued,
            "run": None if current is None else current.as_dict(),
            "history": history,
            "loaded_model": self.rasa.loaded(),
        }

    def wait(self, timeout: float) -> RetrainRun | None:
        """Block until no run is going (and none is queued) or ``timeout``; the last run."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                thread, current = self._thread, self._current
            if thread is None:
                return current
            thread.join(max(0.0, deadline - time.monotonic()))
            with self._lock:
                if self._thread is thread and not thread.is_alive():
                    return self._current
        return self._current

    def close(self) -> None:
        """Stop a training child with the web server (its process group: rasa train too)."""
        with self._lock:
            self._closed = True
            self._queued = None
            process = self._process
        if process is not None and process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)


def segments_keep_tail(text: str) -> list[str]:
    """``text`` split like :func:`segments`, with the last, maybe unfinished piece kept last
    ('' when the text ended at a line break)."""
    if not text:
        return [""]
    ends_complete = text[-1] in "\r\n"
    parts = segments(text)
    return [*parts, ""] if ends_complete or not parts else parts
