"""Child processes that serve HTTP: start, wait until healthy, stop the whole group.

`make run` and the test suite start the same services the same way, so what
the tests exercise is what a person runs.
"""

from __future__ import annotations

import os
import signal
import socket
import stat
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

_HANDED_OUT: set[int] = set()


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

    def start(self) -> Service:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("ab")
        env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", **self.env}
        self.process = subprocess.Popen(
            self.argv,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=self.cwd,
            start_new_session=True,
        )
        log.close()
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

    def stop(self, timeout: float = 15.0) -> None:
        if not self.alive():
            return
        assert self.process is not None
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        except ProcessLookupError:
            pass

    def tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"
