"""Child processes that serve HTTP: start, wait until healthy, stop the whole group.

`make run` and the test suite start the same services the same way, so what
the tests exercise is what a person runs.

Each service runs in a session of its own (a terminal's Ctrl-C reaches only the
process that started it, which then stops every service in order), so whoever starts
services must stop them on every way out: :func:`interrupted_by_signals` turns
SIGINT, SIGTERM and SIGHUP into an exception that unwinds any wait, and a service is
recorded before a signal can interrupt its start.
"""

from __future__ import annotations

import errno
import os
import signal
import socket
import stat
import subprocess
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType

import requests

_HANDED_OUT: set[int] = set()
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class Interrupted(KeyboardInterrupt):
    """A stop signal arrived (Ctrl-C, ``kill``, make passing SIGTERM on, the terminal closing)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum

    @property
    def exit_code(self) -> int:
        """What a shell reports for a process this signal ended: 130 for Ctrl-C."""
        return 128 + self.signum


_deferring = 0
_pending: int | None = None
_interrupted = False  # one interruption is enough: later signals must not cut the stopping short


def _on_signal(signum: int, frame: FrameType | None) -> None:
    global _pending, _interrupted
    if _interrupted:
        return
    if _deferring:
        _pending = signum
        return
    _interrupted = True
    raise Interrupted(signum)


@contextmanager
def interrupted_by_signals() -> Iterator[None]:
    """Within: SIGINT, SIGTERM and SIGHUP raise :class:`Interrupted` in the main thread, so a
    start-up wait unwinds as Ctrl-C does and the ``finally`` that stops the services runs. Only
    the first signal raises; later ones (an impatient second Ctrl-C) are dropped while things stop."""
    global _interrupted, _pending
    _interrupted, _pending = False, None
    previous = {signum: signal.signal(signum, _on_signal) for signum in STOP_SIGNALS}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        _interrupted, _pending = False, None


@contextmanager
def signals_deferred(then_raise: bool = True) -> Iterator[None]:
    """Within: a stop signal waits for the end of the block (raised then, or dropped with
    ``then_raise=False``), so a child is recorded before anything can unwind past its start, and
    stopping is not cut short by a second Ctrl-C. Only with :func:`interrupted_by_signals` active."""
    global _deferring, _pending, _interrupted
    _deferring += 1
    try:
        yield
    finally:
        _deferring -= 1
        signum = None
        if not _deferring:
            signum, _pending = _pending, None
        if signum is not None and then_raise:
            _interrupted = True
            raise Interrupted(signum)


def port_problem(port: int, host: str = "0.0.0.0") -> str | None:
    """Why a server could not listen on ``host:port`` now, or None. Bound as servers bind
    (SO_REUSEADDR), so connections of a stopped server lingering in TIME_WAIT do not count."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return "in use by another process"
            return f"not available ({exc.strerror or exc})"
    return None


def free_port() -> int:
    """A loopback port nothing listens on, never one this process handed out before: a server
    binds its port only when it starts, so two stacks of one test session (the embedded and the
    scaled one) could otherwise be given the same port."""
    while True:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port not in _HANDED_OUT:
            _HANDED_OUT.add(port)
            return port


def searchable_by_others(directory: Path) -> None:
    """Let other users pass through ``directory`` and its parents (search, not list): as root,
    PostgreSQL runs as the ``postgres`` user and nginx's workers as ``nobody``, and they must
    reach their directories inside ours (a test's temporary directory is private to root)."""
    directory.mkdir(parents=True, exist_ok=True)
    for path in (directory, *directory.parents):
        mode = path.stat().st_mode
        if not mode & stat.S_IXOTH and path.stat().st_uid == os.geteuid():
            path.chmod(mode | stat.S_IXOTH)


class ServiceFailed(RuntimeError):
    """A service exited or did not become healthy; the message carries its log's tail."""


@dataclass
class Service:
    name: str
    argv: list[str]
    url: str
    log_path: Path
    health_path: str = "/health"
    env: dict[str, str] = field(default_factory=dict)
    cwd: Path | None = None
    process: subprocess.Popen | None = None
    # Set once the process group is seen empty: its id may be reused, and must not be signalled then.
    _group_gone: bool = field(default=False, init=False, repr=False)

    def start(self) -> Service:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", **self.env}
        with self.log_path.open("ab") as log, signals_deferred():
            self.process = subprocess.Popen(
                self.argv,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
                cwd=self.cwd,
                start_new_session=True,
            )
            self._group_gone = False
        return self

    @property
    def health_url(self) -> str:
        return self.url + self.health_path

    def wait_ready(self, timeout: float = 120.0) -> Service:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise ServiceFailed(f"{self.name} exited with {self.process.returncode}:\n{self.tail()}")
            try:
                if requests.get(self.health_url, timeout=2).status_code == 200:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise ServiceFailed(f"{self.name} not healthy at {self.health_url} after {timeout}s:\n{self.tail()}")

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def group_alive(self, live_groups: set[int] | None = None) -> bool:
        """Whether any process of the service's group still runs (the server may have children
        that outlive it and hold its port); ``live_groups`` is :func:`live_process_groups`."""
        if self.process is None or self._group_gone:
            return False
        self.process.poll()  # reaps the leader, so a dead one no longer counts
        if self.process.pid not in (live_process_groups() if live_groups is None else live_groups):
            self._group_gone = True
            return False
        return True

    def signal_group(self, signum: int, live_groups: set[int] | None = None) -> bool:
        """Send ``signum`` to the service's process group; False when none of it is left."""
        if not self.group_alive(live_groups):
            return False
        assert self.process is not None
        try:
            os.killpg(self.process.pid, signum)
        except ProcessLookupError:
            self._group_gone = True
            return False
        return True

    def stop(self, timeout: float = 15.0) -> None:
        stop_all([self], timeout)

    def tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


def live_process_groups() -> set[int]:
    """The ids of process groups with a process that has not exited (unreaped zombies do not
    count: where nothing reaps orphans, a stopped server's children stay as zombies)."""
    groups = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", "rb") as stat_file:
                    fields = stat_file.read().rsplit(b")", 1)[1].split()
                if fields[0] not in (b"Z", b"X"):
                    groups.add(int(fields[2]))
            except (OSError, IndexError, ValueError):
                continue
    return groups


def stop_all(services: Iterable[Service], timeout: float = 15.0) -> None:
    """Stop services together: SIGTERM to every process group (in the order given), wait for all
    of them at once, SIGKILL to what is left after ``timeout`` seconds. A stop signal meanwhile
    (a second Ctrl-C) does not cut this short."""
    with signals_deferred(then_raise=False):
        live = live_process_groups()
        running = [s for s in services if s.signal_group(signal.SIGTERM, live)]
        deadline = time.monotonic() + timeout
        for kill in (False, True):
            while running and time.monotonic() < deadline:
                time.sleep(0.1)
                live = live_process_groups()
                running = [s for s in running if s.group_alive(live)]
            if kill:
                break
            live = live_process_groups()
            running = [s for s in running if s.signal_group(signal.SIGKILL, live)]
            deadline = time.monotonic() + 10
