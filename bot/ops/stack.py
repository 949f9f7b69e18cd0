"""The whole system on one machine: registry, action server and Rasa server.

``python -m bot run`` (``make run``) and the end-to-end tests start it the same
way, from :class:`Stack`: same commands, same settings, same health checks.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from bot.ops.procs import (
    Interrupted,
    Service,
    ServiceFailed,
    free_port,
    interrupted_by_signals,
    port_problem,
    signals_deferred,
    stop_all,
)
from bot.settings import ROOT, Settings, get_settings, load_settings

if TYPE_CHECKING:
    from bot.ops.scaled import Infrastructure

PORT_SETTINGS = ("registry_port", "action_port", "rasa_port", "web_port")
# A private copy never calls the real messaging platforms: it looks for their APIs on local
# ports, where a test may serve a fake (tests/channels/); nothing listens there otherwise.
PLATFORM_API_SETTINGS = ("wechat_api_base", "wecom_api_base", "telegram_api_base")


def settings_on_free_ports(var_dir: Path, **overrides: object) -> Settings:
    """Settings for a private copy of the system (tests, benchmarks): free ports, own var dir."""
    ports = {name: free_port() for name in PORT_SETTINGS}
    apis = {name: f"http://127.0.0.1:{free_port()}" for name in PLATFORM_API_SETTINGS}
    settings = load_settings(var_dir=var_dir, **{**ports, **apis, **overrides})
    return settings.replace(
        registry_url=f"http://127.0.0.1:{settings.registry.port}",
        rasa_url=f"http://127.0.0.1:{settings.rasa.port}",
    )


def settings_env(settings: Settings) -> dict[str, str]:
    """The settings as ONCEONLY_* variables, so every child process sees the same configuration."""
    return settings.environment()


# Rasa's SQL tracker store and event broker, made to survive a database restart, and its Redis lock
# store (bot/ops/rasa_stores.py, bot/rasa_compat/).
TRACKER_STORE_TYPE = "bot.ops.rasa_stores.TrackerStore"
EVENT_BROKER_TYPE = "bot.ops.rasa_stores.EventBroker"
LOCK_STORE_TYPE = "bot.ops.rasa_stores.LockStore"  # Rasa's Redis lock store, changing locks atomically


def event_broker_endpoint(db_url: str, kind: str = EVENT_BROKER_TYPE) -> dict[str, object]:
    """An endpoints.yml section of Rasa's SQL kind (event broker, tracker store) for an SQLAlchemy URL."""
    from sqlalchemy.engine import make_url

    url = make_url(db_url)
    section: dict[str, object] = {"type": kind, "dialect": url.drivername, "db": url.database}
    for key, value in (
        ("url", url.host),
        ("port", url.port),
        ("username", url.username),
        ("password", url.password),
    ):
        if value:
            section[key] = value
    return section


def lock_store_endpoint(redis_url: str) -> dict[str, object] | None:
    """Rasa's Redis lock store section for a redis:// URL; None keeps Rasa's in-memory lock store."""
    if not redis_url:
        return None
    from urllib.parse import urlsplit

    url = urlsplit(redis_url)
    section: dict[str, object] = {"type": LOCK_STORE_TYPE, "url": url.hostname, "port": url.port or 6379}
    section["db"] = int(url.path.strip("/") or 0)
    if url.password:
        section["password"] = url.password
    return section


def endpoints_file(settings: Settings, directory: Path) -> Path:
    """endpoints.yml as committed, with the action server's URL and the event broker's
    database (which the staff console reads) from the settings, the SQL tracker store, and the
    Redis lock store when Redis is configured (several Rasa replicas)."""
    endpoints = yaml.safe_load((ROOT / "endpoints.yml").read_text(encoding="utf-8"))
    endpoints["action_endpoint"]["url"] = f"http://127.0.0.1:{settings.rasa.action_port}/webhook"
    endpoints["event_broker"] = event_broker_endpoint(settings.events_store_url)
    endpoints["tracker_store"] = event_broker_endpoint(settings.tracker_store_url, TRACKER_STORE_TYPE)
    lock_store = lock_store_endpoint(settings.scale.redis_url)
    if lock_store is not None:
        endpoints["lock_store"] = lock_store
    settings.var_dir.mkdir(parents=True, exist_ok=True)
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

    def _service(self, name: str, argv: list[str], port: int, health_path: str = "/health") -> Service:
        env = settings_env(self.settings) | {"TICKET_LOCK_LIFETIME": str(self.settings.scale.lock_lifetime)}
        return Service(
            name,
            argv,
            f"http://127.0.0.1:{port}",
            self.log_dir / f"{name}.log",
            health_path=health_path,
            env=env,
            cwd=ROOT,
        )

    def rasa_service(self, name: str, port: int) -> Service:
        """A Rasa server (HTTP API behind the token, every channel of credentials.yml) on ``port``."""
        s = self.settings
        endpoints = endpoints_file(s, self.log_dir)
        # Rasa's own command line, through the launcher that installs bot/rasa_compat's overrides.
        rasa = [
            sys.executable,
            "-m",
            "bot.rasa_compat",
            "run",
            "--model",
            str(self.model),
            "--port",
            str(port),
        ]
        rasa += ["--enable-api", "--auth-token", s.secrets.rasa_api_token, "--cors", "*"]
        rasa += ["--endpoints", str(endpoints), "--credentials", str(ROOT / "credentials.yml")]
        return self._service(name, rasa, port, health_path="/status?token=" + s.secrets.rasa_api_token)

    def action_service(self, name: str, port: int) -> Service:
        argv = [sys.executable, "-m", "rasa_sdk", "--actions", "actions", "--port", str(port)]
        return self._service(name, argv, port)

    def _services(self) -> list[Service]:
        s = self.settings
        py = sys.executable
        return [
            self._service("registry", [py, "-m", "bot", "registry", "serve"], s.registry.port),
            self.action_service("actions", s.rasa.action_port),
            self.rasa_service("rasa", s.rasa.port),
            self._service("web", [py, "-m", "bot", "web", "serve"], s.web.port),
        ]

    def start(self, timeout: float = 180.0) -> Stack:
        self.services = self._services()
        try:
            for service in self.services:
                service.start()
            for service in self.services:
                service.wait_ready(timeout)
        except BaseException:  # a failing service, or Ctrl-C during the waits: stop what started
            self.stop()
            raise
        return self

    def service(self, name: str) -> Service:
        return next(s for s in self.services if s.name == name)

    def stop(self) -> None:
        """Stop every service together, the last started first in line for the signal."""
        stop_all(reversed(self.services))


def port_problems(settings: Settings) -> list[str]:
    """What keeps the stack from listening on its ports, one line each, checked before anything
    starts: a server finding its port taken would exit, or worse, another process answering on
    it would be taken for ours. Rasa and the action server (or nginx in front of their replicas)
    listen on every interface, the registry and the web server on their host settings."""
    hosts = {"registry_port": settings.value("registry_host"), "web_port": settings.value("web_host")}
    problems: list[str] = []
    seen: dict[int, str] = {}
    for name in PORT_SETTINGS:
        port = settings.value(name)
        if port in seen:
            problems.append(f"port {port} is set for both {seen[port]} and {name}")
            continue
        seen[port] = name
        problem = port_problem(port, hosts.get(name, "0.0.0.0"))
        if problem:
            problems.append(f"port {port} is {problem} ({name}; ONCEONLY_{name.upper()} chooses another)")
    return problems


def run(train_first: bool = True) -> int:
    """``make run``: check the ports, train when the inputs changed, start everything, serve until
    Ctrl-C. Every way out (Ctrl-C or SIGTERM at any moment, a service failing) stops all that was
    started, including during start-up waits."""
    settings = get_settings()
    problems = port_problems(settings)
    if problems:
        for problem in problems:
            print(f"[run] {problem}", file=sys.stderr)
        print("[run] nothing was started.", file=sys.stderr)
        return 1
    with interrupted_by_signals():
        try:
            return _run(settings, train_first)
        except Interrupted as exc:
            print("[run] interrupted during start-up: everything started is stopped.", file=sys.stderr)
            return exc.exit_code


def _run(settings: Settings, train_first: bool) -> int:
    from bot.nlu.cli import latest_model, train

    model = train() if train_first else latest_model()
    if model is None:
        print("no trained model: run without --no-train", file=sys.stderr)
        return 2
    log_dir = settings.var_dir / "logs"
    infrastructure: Infrastructure | None = None
    stack: Stack | None = None
    up = False
    try:
        if settings.scale.enabled:  # docs/scale-out.md: PostgreSQL, Redis, replicas behind nginx
            from bot.ops.scaled import Infrastructure, ScaledStack

            print("[run] scale-out: starting PostgreSQL and Redis (where no URL is set) …", flush=True)
            infrastructure = Infrastructure(settings.var_dir / "scaled")
            settings = infrastructure.start(settings)
            stack = ScaledStack(settings, model, log_dir)
        else:
            stack = Stack(settings, model, log_dir)
        print("[run] starting registry, action server, Rasa server and web server …", flush=True)
        started = time.monotonic()
        try:
            stack.start()
        except ServiceFailed as exc:
            print(f"[run] failed: {exc}", file=sys.stderr)
            return 1
        up = True
        _print_up(settings, stack, log_dir, time.monotonic() - started)
        while True:
            dead = [s.name for s in stack.services if not s.alive()]
            if dead:
                print(
                    f"[run] {', '.join(dead)} stopped unexpectedly; see {log_dir}. Stopping.", file=sys.stderr
                )
                return 1
            time.sleep(0.5)
    except Interrupted:
        if not up:
            raise
        return 0
    finally:
        with signals_deferred(then_raise=False):
            if stack is not None:
                stack.stop()
            if infrastructure is not None:
                infrastructure.stop()
            if up:
                print("[run] stopped.", flush=True)


def _print_up(settings: Settings, stack: Stack, log_dir: Path, seconds: float) -> None:
    from bot.accounts.startup import staff_sign_in
    from bot.privacy.retention import purge

    purged = purge(settings)  # docs/privacy.md: conversations idle longer than retention_days
    print(f"[run] up in {seconds:.0f}s (logs in {log_dir}):")
    print(
        f"  purged {purged.conversations} conversation(s) idle for more than {settings.privacy.retention_days} days"
    )
    print(f"  registry       http://127.0.0.1:{settings.registry.port}   (API docs /docs)")
    print(f"  action server  http://127.0.0.1:{settings.rasa.action_port}")
    print(
        f"  Rasa server    http://127.0.0.1:{settings.rasa.port}   (REST /webhooks/rest/webhook, "
        "Socket.IO /socket.io)"
    )
    print(
        "                 WeChat /webhooks/wechat/webhook, WeCom /webhooks/wecom/webhook, "
        "Telegram /webhooks/telegram/webhook (with a bot token; docs/channels.md)"
    )
    print(f"  web server     http://localhost:{settings.web.port}/   (demo portal with the chat widget)")
    print(f"  staff console  http://localhost:{settings.web.port}/console   ({staff_sign_in(settings)})")
    for line in getattr(stack, "describe", list)():
        print(line)
    print("  Ctrl-C stops everything.", flush=True)
