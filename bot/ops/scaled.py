"""Scale-out mode (setting ``scaled``): Rasa replicas and action servers behind nginx, shared state.

What changes from the embedded stack (bot/ops/stack.py), and why:

- PostgreSQL holds the registry, Rasa's SQL tracker store and its SQL event broker
  (separate databases: both of Rasa's tables are called ``events``) and the console's
  audit log, so any replica can continue any conversation;
- Redis holds Rasa's lock store (turns of one conversation run one at a time, on
  whichever replicas they land) and the Socket.IO manager's channel;
- ``rasa_replicas`` Rasa servers and ``action_replicas`` action servers run on free
  ports behind nginx (bot/ops/nginx.py), which listens on ``rasa_port`` and
  ``action_port``: what the embedded stack's single servers use, so clients, the web
  server and Rasa's action endpoint need no other configuration.

Servers whose URL setting is empty are started here, in a directory of ours
(:class:`Infrastructure`): a deployment sets the URLs of its own instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from bot.ops.local_postgres import LocalPostgres
from bot.ops.local_redis import LocalRedis
from bot.ops.nginx import Nginx
from bot.ops.procs import Service, free_port, searchable_by_others, signals_deferred
from bot.ops.stack import Stack
from bot.settings import Settings

# The databases a scaled stack keeps in PostgreSQL: setting → database name.
DATABASES = {
    "registry_db_url": "registry",
    "tracker_db_url": "rasa_tracker",
    "event_broker_db_url": "rasa_events",
    "console_db_url": "console",
}


@dataclass
class Infrastructure:
    """PostgreSQL and Redis for a scaled stack, started here for the settings that name none."""

    base_dir: Path
    postgres: LocalPostgres | None = None
    redis: LocalRedis | None = None

    def start(self, settings: Settings) -> Settings:
        """Start what is missing; the settings pointing at it (``scaled`` on)."""
        changes: dict[str, object] = {"scaled": True}
        missing = [name for name in DATABASES if not settings.value(name)]
        if missing:
            searchable_by_others(self.base_dir)
            self.postgres = LocalPostgres(self.base_dir / "postgres", free_port())
            with signals_deferred():  # recorded first, so that stop() finds a server Ctrl-C interrupted
                self.postgres.start()
            for name in missing:
                changes[name] = self.postgres.create_database(DATABASES[name])
        if not settings.scale.redis_url:
            self.redis = LocalRedis.create(self.base_dir / "redis", free_port())
            self.redis.start().wait_ready()
            changes["redis_url"] = self.redis.url
        return settings.replace(**changes)

    def stop(self) -> None:
        if self.redis is not None:
            self.redis.stop()
        if self.postgres is not None:
            self.postgres.stop()


@dataclass
class ScaledStack(Stack):
    """The registry, the web server, N action servers and N Rasa servers, and nginx in front."""

    rasa_ports: list[int] = field(default_factory=list)
    action_ports: list[int] = field(default_factory=list)

    def _services(self) -> list[Service]:
        from bot.ops.rasa_stores import create_tables

        s = self.settings
        create_tables(s.tracker_store_url, s.events_store_url)
        self.rasa_ports = [free_port() for _ in range(s.scale.rasa_replicas)]
        self.action_ports = [free_port() for _ in range(s.scale.action_replicas)]
        # The web server loads a retrained model into each replica, not into the one nginx picks.
        self.settings = s = s.replace(
            rasa_replica_urls=",".join(f"http://127.0.0.1:{p}" for p in self.rasa_ports)
        )
        single = {service.name: service for service in super()._services()}
        actions = [self.action_service(f"actions-{i}", p) for i, p in enumerate(self.action_ports, 1)]
        replicas = [self.rasa_service(f"rasa-{i}", p) for i, p in enumerate(self.rasa_ports, 1)]
        nginx = Nginx.create(
            self.log_dir / "nginx", s.rasa.port, self.rasa_ports, s.rasa.action_port, self.action_ports
        )
        return [single["registry"], *actions, *replicas, nginx, single["web"]]

    def replicas(self) -> list[Service]:
        return [s for s in self.services if s.name.startswith("rasa-")]

    def action_servers(self) -> list[Service]:
        return [s for s in self.services if s.name.startswith("actions-")]

    def describe(self) -> list[str]:
        return [
            f"  nginx          :{self.settings.rasa.port} → Rasa servers on {', '.join(map(str, self.rasa_ports))}",
            f"                 :{self.settings.rasa.action_port} → action servers on {', '.join(map(str, self.action_ports))}",
            f"  PostgreSQL     registry, tracker store, event broker, console ({self.settings.rasa.tracker_db_url.rsplit('@', 1)[-1]})",
            "  Redis          lock store, Socket.IO manager",
        ]
