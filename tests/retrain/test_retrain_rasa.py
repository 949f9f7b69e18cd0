"""The one test module with a real Rasa server (started as `make run` starts it: --enable-api and
the token, serving the project's newest model). A retrain runs a training command as a child
process, the server keeps answering while it trains, and the new model is then served through
Rasa's PUT /model. To keep this test to seconds of CPU on a shared two-core machine, the training
is a deliberately SMALL model (fixtures/small-config.yml: whitespace tokens, counts, logistic
regression; `rasa train nlu`), not the project's pipeline, whose training takes ~35 s with a warm
Rasa cache and ~3 min (far more at the job's lowered priority on a busy machine) without one.
The project's own command is exercised failing (a bad option: exit 2, nothing loaded), and its
output format by tests/retrain/test_progress.py on a recorded real run. A model Rasa cannot load
leaves the served model as it was."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from bot.nlu.cli import latest_model
from bot.ops.procs import Service
from bot.ops.stack import Stack, settings_on_free_ports
from bot.retrain.job import RetrainBusy, Retrainer
from bot.retrain.rasa_model import ModelLoadFailed
from bot.settings import Settings

FIXTURES = Path(__file__).with_name("fixtures")
SMALL_MODEL = [
    sys.executable, "-m", "rasa", "train", "nlu",
    "--config", str(FIXTURES / "small-config.yml"), "--nlu", str(FIXTURES / "small-nlu.yml"),
]  # fmt: skip


@pytest.fixture(scope="module")
def rasa(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Settings, Service, Path]]:
    model = latest_model()
    assert model is not None, "no trained model: run 'python -m bot train' (make test does)"
    tmp = tmp_path_factory.mktemp("retrain")
    settings = settings_on_free_ports(tmp / "var")
    stack = Stack(settings, model, tmp / "logs")
    stack.services = [stack.rasa_service("rasa", settings.rasa.port)]
    try:
        stack.services[0].start().wait_ready(300)
        yield settings, stack.services[0], model
    finally:
        stack.stop()


def parse(service: Service, settings: Settings, text: str) -> dict:
    response = requests.post(
        service.url + "/model/parse",
        params={"token": settings.secrets.rasa_api_token},
        json={"text": text},
        timeout=60,
    )
    assert response.status_code == 200, response.text
    return response.json()


def test_a_retrain_is_loaded_into_the_running_server_which_answers_throughout(
    rasa: tuple[Settings, Service, Path], tmp_path: Path
) -> None:
    settings, service, served = rasa
    out = tmp_path / "models"
    retrainer = Retrainer(settings, command=[*SMALL_MODEL, "--out", str(out)])
    failing = Retrainer(settings, command=[sys.executable, "-m", "bot", "train", "--no-such-option"])
    try:
        assert retrainer.rasa.loaded() == served.name
        run = retrainer.start("测试", "tester")
        with pytest.raises(RetrainBusy):
            retrainer.start("第二次", "tester")
        assert retrainer.request("发布", "tester") is None  # queued behind the run, not refused
        status = retrainer.status()
        assert status["running"] and status["queued"] and status["run"]["state_label"] == "训练中"
        with retrainer._lock:  # the queued follow-up would train a second time: one run is enough here
            retrainer._queued = None
        answered, percents = 0, []
        deadline = time.monotonic() + 900
        while run.state == "training" and time.monotonic() < deadline:
            percents.append(run.progress.percent)
            assert parse(service, settings, "孩子出生了要办什么")["intent"]["name"]
            answered += 1
        assert retrainer.wait(300) is run and run.state == "loaded", (run.error, run.progress.log[-10:])
        assert answered >= 1  # the server answered (with the old model) while the new one trained
        assert percents == sorted(percents) and run.progress.percent == 100 and run.finished_at
        new = run.progress.model
        assert new is not None and new.parent == out and new.exists()
        assert retrainer.rasa.loaded() == new.name != served.name
        # The small model's own intent: the running server now answers with the new model.
        assert parse(service, settings, "my baby was born")["intent"]["name"] == "newborn"
        status = retrainer.status()
        assert status["loaded_model"] == new.name and status["run"]["state_label"] == "新模型已上线"

        # Rasa refuses an archive that is no model: the error is ours to show, the new model stays.
        bogus = tmp_path / "bogus.tar.gz"
        bogus.write_bytes(b"not a model")
        with pytest.raises(ModelLoadFailed):
            retrainer.rasa.load(bogus)
        assert retrainer.rasa.loaded() == new.name

        # The project's train command failing: the run says so with the exit code, nothing is loaded.
        failed = failing.start("测试失败", "tester")
        assert failing.wait(300) is failed and failed.state == "failed"
        assert "退出码 2" in (failed.error or "") and failed.finished_at
        assert failing.status()["run"]["state_label"] == "失败，仍使用原模型"
        assert failing.rasa.loaded() == new.name
    finally:
        retrainer.close()
        failing.close()
