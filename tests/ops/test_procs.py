"""Process handling under the run command: whole process groups stop, signals unwind waits."""

from __future__ import annotations

import os
import signal
import socket
import sys
import time
from pathlib import Path

import pytest

from bot.ops.procs import (
    Interrupted,
    Service,
    interrupted_by_signals,
    live_process_groups,
    port_problem,
    signals_deferred,
)


def _wait_for_file(path: Path, timeout: float = 20.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and path.read_text().strip():
            return path.read_text().strip()
        time.sleep(0.05)
    raise AssertionError(f"{path} never written")


def _running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            return stat.read().rsplit(b")", 1)[1].split()[0] not in (b"Z", b"X")
    except OSError:
        return False


def test_stop_ends_the_children_a_server_left_behind(tmp_path: Path) -> None:
    """The server exits and its child keeps running (holding its port, say): stop ends the child."""
    pid_file = tmp_path / "child.pid"
    script = f"sleep 300 & echo $! > {pid_file}"
    service = Service("leaver", ["sh", "-c", script], "http://127.0.0.1:1", tmp_path / "leaver.log").start()
    child = int(_wait_for_file(pid_file))
    assert service.process is not None
    service.process.wait(20)
    assert not service.alive() and service.group_alive() and _running(child)

    service.stop()

    assert not _running(child)
    assert service.process.pid not in live_process_groups()


def test_stop_kills_what_ignores_sigterm(tmp_path: Path) -> None:
    ready = tmp_path / "ready"
    code = (
        "import signal, time, pathlib; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
        f"pathlib.Path({str(ready)!r}).write_text('yes'); time.sleep(300)"
    )
    service = Service("stubborn", [sys.executable, "-c", code], "http://127.0.0.1:1", tmp_path / "s.log")
    service.start()
    _wait_for_file(ready)

    service.stop(timeout=0.5)

    assert service.process is not None and service.process.returncode == -signal.SIGKILL
    assert not service.group_alive()


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_stop_signal_unwinds_a_wait(signum: int) -> None:
    with pytest.raises(Interrupted) as raised, interrupted_by_signals():
        os.kill(os.getpid(), signum)
        time.sleep(30)
    assert raised.value.signum == signum
    assert raised.value.exit_code == 128 + signum
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # handlers given back


def test_a_signal_while_deferred_is_raised_after_the_block_and_later_ones_are_dropped() -> None:
    finished = False
    with pytest.raises(Interrupted), interrupted_by_signals():
        with signals_deferred():
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(0.2)  # the handler has run by now, and only noted the signal
            finished = True
        pytest.fail("the deferred signal was not raised")
    assert finished

    with interrupted_by_signals():
        with pytest.raises(Interrupted):
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(30)
        os.kill(os.getpid(), signal.SIGINT)  # a second Ctrl-C while stopping: dropped
        time.sleep(0.2)
        with signals_deferred(then_raise=False):
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(0.2)


def test_port_problem_names_a_port_in_use() -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        assert port_problem(port) == "in use by another process"
        assert port_problem(port, "127.0.0.1") == "in use by another process"
    assert port_problem(port) is None
