"""Every setting of the system, in one place, with the embedded defaults `make run` uses.

Each field can be overridden by an environment variable named
``ONCEONLY_<FIELD>`` (upper case), so a deployment changes configuration
without touching code, and a test can start a service on a throwaway port.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Settings:
    # Where runtime state lives (SQLite files, logs); created on first start.
    var_dir: Path = ROOT / "var"
    # The human-edited registry data the service loads.
    registry_dir: Path = ROOT / "data" / "registry"
    # SQLAlchemy URL; empty means SQLite in var_dir. PostgreSQL: postgresql://user@host/db
    registry_db_url: str = ""
    registry_host: str = "127.0.0.1"
    registry_port: int = 5100
    # How the bot reaches the registry (the action server is a client of it).
    registry_url: str = "http://127.0.0.1:5100"
    # Service credential for citizen files and writes. The default is for local development only.
    registry_token: str = "dev-registry-token"
    # Seconds an action waits for the registry before apologising.
    registry_timeout: float = 3.0
    # Largest request body the registry accepts, in bytes.
    max_body_bytes: int = 256 * 1024
    # Load the clearly-marked demo citizens into the store (off in production).
    load_demo_citizens: bool = True
    # HMAC secret shared with the portal's login, for signed citizen tokens (see bot/identity.py).
    citizen_token_secret: str = "dev-citizen-token-secret"
    # Where people get human help; quoted whenever the bot cannot answer.
    hotline: str = "12345 政务服务便民热线"
    portal_url: str = "https://zwfw-new.hunan.gov.cn/"
    # Ports of the conversational stack.
    rasa_port: int = 5005
    action_port: int = 5055
    # Token for Rasa's HTTP API (tracker, events): staff tools use it; the default is for development.
    rasa_api_token: str = "dev-rasa-token"

    @property
    def db_url(self) -> str:
        return self.registry_db_url or f"sqlite:///{self.var_dir / 'registry.sqlite3'}"


def _coerce(value: str, kind: type) -> object:
    if kind is bool:
        return value.strip().lower() in ("1", "true", "yes", "on")
    if kind is Path:
        return Path(value)
    return kind(value)


def load_settings(**overrides: object) -> Settings:
    """Defaults, then ``ONCEONLY_*`` environment variables, then explicit overrides."""
    values: dict[str, object] = {}
    for f in fields(Settings):
        env = os.environ.get(f"ONCEONLY_{f.name.upper()}")
        if env is not None:
            kind = {"bool": bool, "int": int, "float": float, "Path": Path}.get(str(f.type), str)
            values[f.name] = _coerce(env, kind)
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]
