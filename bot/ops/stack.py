"""The whole system on one machine: registry, action server and Rasa server.

``python -m bot run`` (``make run``) and the end-to-end tests start it the same
way, from :class:`Stack`: same commands, same settings, same health checks.
"""

from __future__ import annotations

import argparse
import signal
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bot.ops.procs import Service, ServiceFailed
from bot.settings import ROOT, Settings, load_settings


def settings_env(settings: Settings) -> dict[str, str]:
    """The settings as ONCEONLY_* variables, so every child process sees the same configuration."""
    from dataclasses import fields

    return {f"ONCEONLY_{f.name.upper()}": str(getattr(settings, f.name)) for f in fields(Settings)}


def endpoints_file(settings: Settings, directory: Path) -> Path:
    """endpoints.yml as committed, with the action server's URL from the settings."""
    endpoints = yaml.safe_load((ROOT / "endpoints.yml").read_text(encoding="utf-8"))
    endpoints["action_endpoint"]["url"] = f"http://127.0.0.1:{settings.action_port}/webhook"
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "endpoints.yml"
    path.write_text(yaml.safe_dump(endpoints, sort_keys=False), encoding="utf-8")
    return path


@dataclass
class Stack:
    settings: Settings
    model: Path
    log_dir: Path
    services: list[Service] = field(default_factory=list)

    def _services(self) -> list[Service]:
        s = self.settings
        env = settings_env(s)
        py = sys.executable
        endpoints = endpoints_file(s, self.log_dir)
        return [
            Service(
                "registry",
                [py, "-m", "bot", "registry", "serve"],
                f"http://127.0.0.1:{s.registry_port}",
                self.log_dir / "registry.log",
                env=env,
                cwd=ROOT,
            ),
            Service(
                "actions",
                [py, "-m", "rasa_sdk", "--actions", "actions", "--port", str(s.action_port)],
                f"http://127.0.0.1:{s.action_port}",
                self.log_dir / "actions.log",
                env=env,
                cwd=ROOT,
            ),
            Service(
                "rasa",
                [
                    py,
                    "-m",
                    "rasa",
                    "run",
                    "--model",
                    str(self.model),
                    "--port",
                    str(s.rasa_port),
                    "--enable-api",
                    "--auth-token",
                    s.rasa_api_token,
                    "--cors",
                    "*",
                    "--endpoints",
                    str(endpoints),
                    "--credentials",
                    str(ROOT / "credentials.yml"),
                ],
                f"http://127.0.0.1:{s.rasa_port}",
                self.log_dir / "rasa.log",
                env=env,
                cwd=ROOT,
                health_path="/status?token=" + s.rasa_api_token,
            ),
        ]

    def start(self, timeout: float = 180.0) -> Stack:
        self.services = self._services()
        try:
            for service in self.services:
                service.start()
            for service in self.services:
                service.wait_ready(timeout)
        except ServiceFailed:
            self.stop()
            raise
        return self

    def service(self, name: str) -> Service:
        return next(s for s in self.services if s.name == name)

    def stop(self) -> None:
        for service in reversed(self.services):
            service.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot run", description="start the whole system")
    parser.add_argument("--no-train", action="store_true", help="use the newest model as it is")
    args = parser.parse_args(argv)
    return run(train_first=not args.no_train)


def run(train_first: bool = True) -> int:
    from bot.nlu.cli import latest_model, train

    settings = load_settings()
    model = train() if train_first else latest_model()
    if model is None:
        print("no trained model: run without --no-train", file=sys.stderr)
        return 2
    log_dir = settings.var_dir / "logs"
    stack = Stack(settings, model, log_dir)
    print("[run] starting registry, action server and Rasa server …", flush=True)
    started = time.monotonic()
    try:
        stack.start()
    except ServiceFailed as exc:
        print(f"[run] failed: {exc}", file=sys.stderr)
        return 1
    print(f"[run] up in {time.monotonic() - started:.0f}s (logs in {log_dir}):")
    print(f"  registry       http://127.0.0.1:{settings.registry_port}   (API docs /docs)")
    print(f"  action server  http://127.0.0.1:{settings.action_port}")
    print(
        f"  Rasa server    http://127.0.0.1:{settings.rasa_port}   (REST /webhooks/rest/webhook, "
        "Socket.IO /socket.io)"
    )
    print("  Ctrl-C stops everything.", flush=True)
    stopping = False

    def _stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    while not stopping:
        dead = [s.name for s in stack.services if not s.alive()]
        if dead:
            print(f"[run] {', '.join(dead)} stopped unexpectedly; see {log_dir}. Stopping.", file=sys.stderr)
            break
        time.sleep(0.5)
    stack.stop()
    print("[run] stopped.")
    return 0 if stopping else 1
