"""`make run` as a person uses it: Ctrl-C during start-up leaves nothing behind, and a port in use
is named before anything starts.

Both run make itself, with the run target's prerequisites (install, web-assets, browser) taken
as done (``-o``) and the newest model as it is (``RUN_ARGS=--no-train``), on throwaway ports and
a var directory of their own. Every process the run starts carries that var directory in its
environment, which is how the tests find them.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from bot.ops.procs import free_port
from bot.settings import ROOT

PORTS = ("REGISTRY_PORT", "ACTION_PORT", "RASA_PORT", "WEB_PORT")
MAKE_RUN = ["make", "--no-print-directory", "-o", "install", "-o", "web-assets", "-o", "browser", "run"]

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")


def _env(var_dir: Path, **ports: int) -> dict[str, str]:
    ports = {name: ports.get(name) or free_port() for name in PORTS}
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ONCEONLY_", "MAKE", "MFLAGS"))}
    env |= {f"ONCEONLY_{name}": str(port) for name, port in ports.items()}
    env |= {
        "ONCEONLY_VAR_DIR": str(var_dir),
        "ONCEONLY_REGISTRY_URL": f"http://127.0.0.1:{ports['REGISTRY_PORT']}",
        "ONCEONLY_RASA_URL": f"http://127.0.0.1:{ports['RASA_PORT']}",
    }
    for platform in ("WECHAT", "WECOM", "TELEGRAM"):  # never the real messaging platforms
        env[f"ONCEONLY_{platform}_API_BASE"] = f"http://127.0.0.1:{free_port()}"
    return env


def _processes_of(var_dir: Path) -> dict[int, str]:
    """pid → command line of every running process started with this var directory."""
    marker = f"ONCEONLY_VAR_DIR={var_dir}\0".encode()
    found = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as stat:
                if stat.read().rsplit(b")", 1)[1].split()[0] in (b"Z", b"X"):
                    continue
            with open(f"/proc/{entry}/environ", "rb") as environ:
                if marker not in environ.read():
                    continue
            with open(f"/proc/{entry}/cmdline", "rb") as cmdline:
                found[int(entry)] = cmdline.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
    return found


def _bindable(port: int) -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("0.0.0.0", port))
        except OSError:
            return False
    return True


def _wait(condition, timeout: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"not within {timeout}s: {what}")


@pytest.fixture
def var_dir(tmp_path: Path) -> Iterator[Path]:
    """The run's var directory; whatever the run leaves running is ended afterwards (and fails the test)."""
    var = tmp_path / "var"
    yield var
    for pid in _processes_of(var):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(os.getpgid(pid), signal.SIGKILL)


@pytest.mark.parametrize(
    "signum, to_group",
    [
        pytest.param(signal.SIGINT, True, id="ctrl-c"),  # a terminal sends it to the foreground group
        pytest.param(signal.SIGTERM, False, id="sigterm"),  # `kill <make's pid>`: make passes it on
    ],
)
def test_a_stop_signal_during_start_up_leaves_no_service_and_frees_every_port(
    var_dir: Path, tmp_path: Path, signum: int, to_group: bool
) -> None:
    from bot.nlu.cli import latest_model

    if latest_model() is None:
        pytest.skip("no trained model: run 'python -m bot train' (make test does)")
    env = _env(var_dir)
    ports = [int(env[f"ONCEONLY_{name}"]) for name in PORTS]
    out, err = tmp_path / "run.out", tmp_path / "run.err"
    with out.open("wb") as stdout, err.open("wb") as stderr:
        make = subprocess.Popen(
            [*MAKE_RUN, "RUN_ARGS=--no-train"],
            cwd=ROOT,
            env=env,
            stdout=stdout,
            stderr=stderr,
            start_new_session=True,
        )
    try:
        registry = f"http://127.0.0.1:{ports[0]}/health"

        def registry_answers() -> bool:
            assert make.poll() is None, f"make run ended early:\n{err.read_text()}"
            try:
                return requests.get(registry, timeout=1).status_code == 200
            except requests.RequestException:
                return False

        _wait(registry_answers, 120, "the registry answering")
        started = _processes_of(var_dir)
        for service in ("bot registry serve", "rasa_sdk", " run --model ", "bot web serve"):
            assert any(service in cmdline for cmdline in started.values()), f"{service} not in {started}"

        if to_group:
            os.killpg(make.pid, signum)
        else:
            os.kill(make.pid, signum)
        make.wait(90)
    finally:
        if make.poll() is None:
            os.killpg(make.pid, signal.SIGKILL)

    assert "interrupted during start-up" in err.read_text(), err.read_text()
    assert "up in" not in out.read_text()
    assert _processes_of(var_dir) == {}
    assert [p for p in ports if not _bindable(p)] == []


def test_a_port_in_use_is_named_and_nothing_starts(var_dir: Path) -> None:
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        port = other.getsockname()[1]
        env = _env(var_dir, REGISTRY_PORT=port)

        done = subprocess.run(
            [*MAKE_RUN, "RUN_ARGS=--no-train"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
        )

        assert done.returncode != 0
        assert f"port {port} is in use by another process" in done.stderr
        assert "nothing was started" in done.stderr
        assert not (var_dir / "logs").exists()
        assert _processes_of(var_dir) == {}
        other_ports = [int(env[f"ONCEONLY_{name}"]) for name in PORTS[1:]]
        assert all(_bindable(p) for p in other_ports)


def test_make_run_runs_the_command_these_tests_run() -> None:
    shown = subprocess.run(
        [*MAKE_RUN, "-n"], cwd=ROOT, capture_output=True, text=True, check=True, timeout=60
    ).stdout
    assert shown.strip().splitlines()[-1].split()[1:] == ["-m", "bot", "run"]
