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
    citizen_token_secret: str = "dev-citizen-token-secret-change-me-in-production"
    # Where people get human help; quoted whenever the bot cannot answer.
    hotline: str = "12345 政务服务便民热线"
    portal_url: str = "https://zwfw-new.hunan.gov.cn/"
    # Ports of the conversational stack.
    rasa_port: int = 5005
    action_port: int = 5055
    # Token for Rasa's HTTP API (tracker, events): staff tools use it; the default is for development.
    rasa_api_token: str = "dev-rasa-token"
    # How our services reach the Rasa server, and the address browsers' widgets connect to
    # (Socket.IO); empty means the same as rasa_url (one machine).
    rasa_url: str = "http://127.0.0.1:5005"
    public_rasa_url: str = ""
    # Rasa's SQL event broker, which the staff console reads to find handoffs; empty means
    # SQLite in var_dir. PostgreSQL: postgresql://user@host/db
    event_broker_db_url: str = ""
    # Our web server: the demo portal, the citizen widget and the staff console (bot/web/).
    web_host: str = "127.0.0.1"
    web_port: int = 8080
    # What hotline staff type to sign in to the console; the default is for development.
    staff_token: str = "dev-staff-token"
    # The console's own records (the citizen-file audit log); empty means SQLite in var_dir.
    console_db_url: str = ""
    # Messaging-app channels (bot/channels/, README "Channels"). Empty credentials mean the
    # development ones in credentials.yml; set these for a real Official Account / WeCom app / bot.
    wechat_token: str = ""
    wechat_app_id: str = ""
    wechat_app_secret: str = ""
    wechat_encoding_aes_key: str = ""
    wecom_token: str = ""
    wecom_corp_id: str = ""
    wecom_corp_secret: str = ""
    wecom_agent_id: str = ""
    wecom_encoding_aes_key: str = ""
    # Telegram is off unless a bot token is set (credentials.yml has none).
    telegram_access_token: str = ""
    telegram_verify: str = ""  # the bot's username
    telegram_webhook_url: str = ""  # the public https URL of /webhooks/telegram/webhook
    telegram_secret_token: str = ""  # Telegram sends it back in X-Telegram-Bot-Api-Secret-Token
    # The platforms' API servers (tests point them at local fakes).
    wechat_api_base: str = "https://api.weixin.qq.com"
    wecom_api_base: str = "https://qyapi.weixin.qq.com"
    telegram_api_base: str = "https://api.telegram.org"
    # WeChat and WeCom drop a request after 5 s and retry: answer in the response if the bot is
    # done within this many seconds, else answer "success" and push the answer through their API.
    weixin_reply_seconds: float = 4.0
    # Scale-out (bot/ops/scaled.py, README "Scale-out"): false is the embedded one-machine stack;
    # true runs PostgreSQL (registry, tracker store, event broker), Redis (lock store, Socket.IO
    # manager) and these many Rasa servers and action servers behind nginx on rasa_port/action_port.
    scaled: bool = False
    rasa_replicas: int = 2
    action_replicas: int = 2
    # Rasa's SQL tracker store; empty means SQLite in var_dir. PostgreSQL: postgresql://user@host/db
    tracker_db_url: str = ""
    # Redis for Rasa's lock store and the Socket.IO client manager; empty means one process's memory.
    redis_url: str = ""
    # Seconds a turn may hold its conversation's lock; a replica that dies holding one delays
    # that conversation's next turn at most this long.
    lock_lifetime: int = 20
    # Conversations whose latest event is older than this many days are purged (bot/privacy/).
    retention_days: int = 30
    # Answers people can act on (issue 8). Where links in the bot's answers point (the web server as
    # people reach it); empty means http://localhost:<web_port>.
    public_web_url: str = ""
    # The one-time notice's (一次告知单) header, and how long a notice link that shows a signed-in
    # citizen's own reusable materials stays valid (the plain link never expires and has no personal data).
    notice_header: str = "湖南省政务服务 · 一件事一次办"
    notice_personal_hours: int = 72
    # Characters in one SMS segment (70 for a Chinese single SMS); each segment stands alone.
    sms_segment_chars: int = 70
    # Signs and encrypts what links carry (personal notice links, callback forms). Development default.
    link_secret: str = "dev-link-secret-change-me-in-production"
    # Encrypts callback phone numbers at rest and pseudonymises conversation ids in feedback.
    data_secret: str = "dev-data-secret-change-me-in-production"
    # When staff answer 转人工 (bot/callback/hours.py): "always", "none", or days and times such as
    # "mon-fri 09:00-12:00 13:30-17:30; sat 09:00-12:00", in office_timezone. Outside them a person is
    # offered a callback request instead.
    office_hours: str = "mon-fri 09:00-12:00 13:30-17:30"
    office_timezone: str = "Asia/Shanghai"
    # Seconds between the registry service's checks for edited YAML (0: only at start).
    registry_reload_seconds: float = 5.0
    # The headless browser that prints the notice's PDF (Debian's chromium, as the browser tests use).
    chromium_path: str = "/usr/bin/chromium"

    def _or_sqlite(self, url: str, file: str) -> str:
        return url or f"sqlite:///{self.var_dir / file}"

    @property
    def db_url(self) -> str:
        return self._or_sqlite(self.registry_db_url, "registry.sqlite3")

    @property
    def events_db_url(self) -> str:
        return self._or_sqlite(self.event_broker_db_url, "events.sqlite3")

    @property
    def tracker_store_url(self) -> str:
        return self._or_sqlite(self.tracker_db_url, "tracker.sqlite3")

    @property
    def console_store_url(self) -> str:
        return self._or_sqlite(self.console_db_url, "console.sqlite3")

    @property
    def widget_rasa_url(self) -> str:
        return self.public_rasa_url or self.rasa_url

    @property
    def web_url(self) -> str:
        """The web server as people reach it, for links in answers (notices, callback forms)."""
        return (self.public_web_url or f"http://localhost:{self.web_port}").rstrip("/")


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
