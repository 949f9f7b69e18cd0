"""Every setting of the system, in groups, with the embedded defaults `make run` uses.

Each setting has one public name, its environment variable ``ONCEONLY_<NAME>``
(``ONCEONLY_REGISTRY_PORT``, ``ONCEONLY_STAFF_TOKEN``), so a deployment changes
configuration without touching code and a test can start a service on a throwaway
port. Code reads them grouped (``settings.registry.port``,
``settings.secrets.staff_token``) from :func:`get_settings`, called where a value is
needed rather than at import; tests change them with :func:`override_settings`, or
build their own with :func:`load_settings` and pass them in. ``docs/settings.md``
lists every group and variable (``python -m bot.settings`` prints that table).

``ONCEONLY_ENV=production`` refuses to start while any development secret (or the
demo citizens) is still in place: see :func:`refuse_development_values`.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache, lru_cache
from pathlib import Path
from typing import Any, Literal, TypeVar

from pydantic import BaseSettings, Field

ROOT = Path(__file__).resolve().parent.parent
PREFIX = "ONCEONLY_"
PRODUCTION = "production"

G = TypeVar("G", bound="Group")


class Group(BaseSettings):
    """A group of settings, each read from ``ONCEONLY_<NAME>`` unless given explicitly."""

    class Config:
        env_prefix = PREFIX
        allow_mutation = False
        extra = "forbid"


def _group(cls: type[G]) -> Any:
    """A nested group: built from its own variables, never from a variable of its own."""
    return Field(default_factory=cls, env=[])


class RegistrySettings(Group):
    """The registry service (bot/registry/) and how the bot reaches it."""

    # The human-edited registry data the service loads.
    dir: Path = ROOT / "data" / "registry"
    # SQLAlchemy URL; empty means SQLite in var_dir. PostgreSQL: postgresql://user@host/db
    db_url: str = ""
    host: str = "127.0.0.1"
    port: int = 5100
    # How the bot reaches the registry (the action server is a client of it).
    url: str = "http://127.0.0.1:5100"
    # Seconds an action waits for the registry before apologising.
    timeout: float = 3.0
    # Seconds between the registry service's checks for edited YAML (0: only at start).
    reload_seconds: float = 5.0
    # Largest request body the registry (and the web server) accepts, in bytes.
    max_body_bytes: int = Field(256 * 1024, env="ONCEONLY_MAX_BODY_BYTES")
    # Load the clearly-marked demo citizens into the store (off in production).
    load_demo_citizens: bool = Field(True, env="ONCEONLY_LOAD_DEMO_CITIZENS")

    class Config:
        env_prefix = PREFIX + "REGISTRY_"


class RasaSettings(Group):
    """The Rasa server, the action server, and Rasa's own stores."""

    port: int = 5005
    action_port: int = Field(5055, env="ONCEONLY_ACTION_PORT")
    # How our services reach the Rasa server, and the address browsers' widgets connect to
    # (Socket.IO); empty means the same as url (one machine).
    url: str = "http://127.0.0.1:5005"
    public_url: str = Field("", env="ONCEONLY_PUBLIC_RASA_URL")
    # Rasa's SQL tracker store and SQL event broker (which the staff console reads to find
    # handoffs); empty means SQLite in var_dir. PostgreSQL: postgresql://user@host/db
    tracker_db_url: str = Field("", env="ONCEONLY_TRACKER_DB_URL")
    event_broker_db_url: str = Field("", env="ONCEONLY_EVENT_BROKER_DB_URL")

    class Config:
        env_prefix = PREFIX + "RASA_"

    @property
    def widget_url(self) -> str:
        """Where browsers' widgets reach the Rasa server."""
        return self.public_url or self.url


class WebSettings(Group):
    """Our web server: the demo portal, the citizen widget and the staff console (bot/web/)."""

    host: str = "127.0.0.1"
    port: int = 8080
    # The web server as people reach it, for links in the bot's answers; empty means
    # http://localhost:<port>.
    public_url: str = Field("", env="ONCEONLY_PUBLIC_WEB_URL")
    # The console's own records (audit log, callback requests); empty means SQLite in var_dir.
    console_db_url: str = Field("", env="ONCEONLY_CONSOLE_DB_URL")

    class Config:
        env_prefix = PREFIX + "WEB_"

    @property
    def url(self) -> str:
        """The web server as people reach it, for links in answers (notices, callback forms)."""
        return (self.public_url or f"http://localhost:{self.port}").rstrip("/")


class ContactSettings(Group):
    """Where people get human help; quoted whenever the bot cannot answer."""

    hotline: str = "12345 政务服务便民热线"
    portal_url: str = "https://zwfw-new.hunan.gov.cn/"


class WeChatSettings(Group):
    """A WeChat Official Account; empty credentials mean the development ones in credentials.yml."""

    token: str = ""
    app_id: str = ""
    app_secret: str = ""
    encoding_aes_key: str = ""
    # The platform's API server (tests point it at a local fake).
    api_base: str = "https://api.weixin.qq.com"

    class Config:
        env_prefix = PREFIX + "WECHAT_"


class WeComSettings(Group):
    """A WeCom self-built app; empty credentials mean the development ones in credentials.yml."""

    token: str = ""
    corp_id: str = ""
    corp_secret: str = ""
    agent_id: str = ""
    encoding_aes_key: str = ""
    api_base: str = "https://qyapi.weixin.qq.com"

    class Config:
        env_prefix = PREFIX + "WECOM_"


class TelegramSettings(Group):
    """A Telegram bot: off unless a bot token is set (credentials.yml has none)."""

    access_token: str = ""
    verify: str = ""  # the bot's username
    webhook_url: str = ""  # the public https URL of /webhooks/telegram/webhook
    secret_token: str = ""  # Telegram sends it back in X-Telegram-Bot-Api-Secret-Token
    api_base: str = "https://api.telegram.org"

    class Config:
        env_prefix = PREFIX + "TELEGRAM_"


class ChannelSettings(Group):
    """Messaging-app channels (bot/channels/, docs/channels)."""

    wechat: WeChatSettings = _group(WeChatSettings)
    wecom: WeComSettings = _group(WeComSettings)
    telegram: TelegramSettings = _group(TelegramSettings)
    # WeChat and WeCom drop a request after 5 s and retry: answer in the response if the bot is
    # done within this many seconds, else answer "success" and push the answer through their API.
    weixin_reply_seconds: float = 4.0


class NoticeSettings(Group):
    """The one-time notice (一次告知单): its page, its links, its SMS and its PDF."""

    header: str = "湖南省政务服务 · 一件事一次办"
    # How long a notice link that shows a signed-in citizen's own reusable materials stays valid
    # (the plain link never expires and has no personal data).
    personal_hours: int = 72
    # Characters in one SMS segment (70 for a Chinese single SMS); each segment stands alone.
    sms_segment_chars: int = Field(70, env="ONCEONLY_SMS_SEGMENT_CHARS")
    # The headless browser that prints the notice's PDF (Debian's chromium, as the browser tests use).
    chromium_path: str = Field("/usr/bin/chromium", env="ONCEONLY_CHROMIUM_PATH")

    class Config:
        env_prefix = PREFIX + "NOTICE_"


class OfficeSettings(Group):
    """When staff answer 转人工 (bot/callback/hours.py); outside them a callback is offered."""

    # "always", "none", or days and times such as "mon-fri 09:00-12:00 13:30-17:30; sat 09:00-12:00".
    hours: str = "mon-fri 09:00-12:00 13:30-17:30"
    timezone: str = "Asia/Shanghai"

    class Config:
        env_prefix = PREFIX + "OFFICE_"


class ScaleSettings(Group):
    """Scale-out (bot/ops/scaled.py): off is the embedded one-machine stack; on runs PostgreSQL,
    Redis and these many Rasa and action servers behind nginx on the Rasa and action ports."""

    enabled: bool = Field(False, env="ONCEONLY_SCALED")
    rasa_replicas: int = 2
    action_replicas: int = 2
    # Redis for Rasa's lock store and the Socket.IO client manager; empty means one process's memory.
    redis_url: str = ""
    # Seconds a turn may hold its conversation's lock; a replica that dies holding one delays
    # that conversation's next turn at most this long.
    lock_lifetime: int = 20
    # Every Rasa replica's own address, comma-separated, for what must reach each one and not
    # whichever nginx picks (a retrained model is loaded into all). The scaled stack sets it;
    # empty: the one Rasa server at rasa.url.
    rasa_replica_urls: str = ""


class PrivacySettings(Group):
    """Personal data (bot/privacy/)."""

    # Conversations whose latest event is older than this many days are purged.
    retention_days: int = 30


class AccountSettings(Group):
    """Staff accounts (bot/accounts/, docs/accounts.md); kept in the console's database."""

    # A session ends after this many minutes without a request, and this many hours after sign-in.
    session_idle_minutes: int = 120
    session_hours: int = 12
    # This many wrong passwords in a row lock the account for lockout_minutes.
    lockout_failures: int = 5
    lockout_minutes: int = 15

    class Config:
        env_prefix = PREFIX + "ACCOUNTS_"


class SecretSettings(Group):
    """Credentials and keys. The defaults are for development only: production refuses them."""

    # Service credential for citizen files and writes to the registry.
    registry_token: str = "dev-registry-token"
    # HMAC secret shared with the portal's login, for signed citizen tokens (bot/identity.py).
    citizen_token_secret: str = "dev-citizen-token-secret-change-me-in-production"
    # Token for Rasa's HTTP API (tracker, events): staff tools use it.
    rasa_api_token: str = "dev-rasa-token"
    # Scripts' bearer token for the console API (X-Staff-Name names an existing account); people
    # sign in with their own account (bot/accounts/).
    staff_token: str = "dev-staff-token"
    # Signs and encrypts what links carry (personal notice links, callback forms).
    link_secret: str = "dev-link-secret-change-me-in-production"
    # Encrypts callback phone numbers at rest and pseudonymises conversation ids in feedback.
    data_secret: str = "dev-data-secret-change-me-in-production"


class Settings(Group):
    """All settings: the mode, where runtime state lives, and the groups."""

    # "development" (the default: `make run`, tests) or "production", which refuses development values.
    env: Literal["development", "production"] = "development"
    # Where runtime state lives (SQLite files, logs); created on first start.
    var_dir: Path = ROOT / "var"
    registry: RegistrySettings = _group(RegistrySettings)
    rasa: RasaSettings = _group(RasaSettings)
    web: WebSettings = _group(WebSettings)
    contact: ContactSettings = _group(ContactSettings)
    channels: ChannelSettings = _group(ChannelSettings)
    notice: NoticeSettings = _group(NoticeSettings)
    office: OfficeSettings = _group(OfficeSettings)
    scale: ScaleSettings = _group(ScaleSettings)
    privacy: PrivacySettings = _group(PrivacySettings)
    accounts: AccountSettings = _group(AccountSettings)
    secrets: SecretSettings = _group(SecretSettings)

    def _or_sqlite(self, url: str, file: str) -> str:
        return url or f"sqlite:///{self.var_dir / file}"

    @property
    def registry_store_url(self) -> str:
        return self._or_sqlite(self.registry.db_url, "registry.sqlite3")

    @property
    def events_store_url(self) -> str:
        return self._or_sqlite(self.rasa.event_broker_db_url, "events.sqlite3")

    @property
    def tracker_store_url(self) -> str:
        return self._or_sqlite(self.rasa.tracker_db_url, "tracker.sqlite3")

    @property
    def console_store_url(self) -> str:
        return self._or_sqlite(self.web.console_db_url, "console.sqlite3")

    @property
    def production(self) -> bool:
        return self.env == PRODUCTION

    def value(self, name: str) -> Any:
        """The setting with this public name (``registry_port``, i.e. ``ONCEONLY_REGISTRY_PORT``)."""
        target: Any = self
        for part in _path(name):
            target = getattr(target, part)
        return target

    def replace(self, **changes: Any) -> Settings:
        """These settings with some changed, named as their variables (``registry_url=...``)."""
        return _checked(Settings(**_nested(self.dict(), changes)))

    def environment(self) -> dict[str, str]:
        """Every setting as its ``ONCEONLY_*`` variable, so a child process sees the same configuration."""
        return {PREFIX + name.upper(): str(self.value(name)) for name in variables()}


class DevelopmentValuesInProduction(RuntimeError):
    """Production mode found development secrets (or the demo citizens) still in place."""


def _fields(cls: type[Group], path: tuple[str, ...] = ()) -> Iterator[tuple[str, tuple[str, ...], Any]]:
    """(public name, attribute path, field) for every setting under ``cls``."""
    for name, field in cls.__fields__.items():
        if isinstance(field.type_, type) and issubclass(field.type_, Group):
            yield from _fields(field.type_, (*path, name))
            continue
        (env_name,) = field.field_info.extra["env_names"]
        yield env_name.removeprefix(PREFIX.lower()), (*path, name), field


@cache
def _paths() -> dict[str, tuple[str, ...]]:
    return {name: path for name, path, _ in _fields(Settings)}


def _path(name: str) -> tuple[str, ...]:
    try:
        return _paths()[name]
    except KeyError:
        raise KeyError(f"no setting {name!r} (ONCEONLY_{name.upper()})") from None


def _nested(values: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """``values`` (nested by group) with each change, named as its variable, put in its group."""
    for name, value in changes.items():
        *groups, field = _path(name)
        target = values
        for group in groups:
            target = target.setdefault(group, {})
        target[field] = value
    return values


def variables() -> list[str]:
    """Every setting's public name, the variable without ``ONCEONLY_`` in lower case."""
    return list(_paths())


def development_values(settings: Settings) -> list[str]:
    """The variables still holding development values: a secret left at its default or
    starting with ``dev-``, and the demo citizens switched on."""
    found = []
    for name, path, field in _fields(Settings):
        if path[0] != "secrets":
            continue
        value = settings.value(name)
        if value == field.default or str(value).startswith("dev-") or not value:
            found.append(PREFIX + name.upper())
    if settings.registry.load_demo_citizens:
        found.append(PREFIX + "LOAD_DEMO_CITIZENS")
    return found


def refuse_development_values(settings: Settings) -> None:
    """In production, stop with the variables that still hold development values."""
    if not settings.production:
        return
    found = development_values(settings)
    if found:
        raise DevelopmentValuesInProduction(
            f"{PREFIX}ENV=production refuses development values; set these variables: "
            + ", ".join(found)
            + " (secrets of your own; LOAD_DEMO_CITIZENS=false)"
        )


def _checked(settings: Settings) -> Settings:
    refuse_development_values(settings)
    return settings


def _build(cls: type[G], overrides: dict[str, Any]) -> G:
    values: dict[str, Any] = {}
    for name, field in cls.__fields__.items():
        if isinstance(field.type_, type) and issubclass(field.type_, Group):
            values[name] = _build(field.type_, overrides.get(name, {}))
        elif name in overrides:
            values[name] = overrides[name]
    return cls(**values)


def load_settings(**overrides: Any) -> Settings:
    """Defaults, then ``ONCEONLY_*`` environment variables, then explicit overrides
    (named as their variables: ``load_settings(registry_port=5101)``)."""
    return _checked(_build(Settings, _nested({}, overrides)))


_overrides: list[Settings] = []


@lru_cache(maxsize=1)
def _from_environment() -> Settings:
    return load_settings()


def get_settings() -> Settings:
    """The settings in force: read from the environment once per process, unless a test
    overrides them (:func:`override_settings`)."""
    return _overrides[-1] if _overrides else _from_environment()


def reload_settings() -> Settings:
    """Read the environment again (after a change to ``os.environ``)."""
    _from_environment.cache_clear()
    return get_settings()


@contextmanager
def override_settings(**changes: Any) -> Iterator[Settings]:
    """Within the block, :func:`get_settings` returns the settings in force with these changes
    (named as their variables); for tests of code that reads settings where it needs them."""
    settings = get_settings().replace(**changes)
    _overrides.append(settings)
    try:
        yield settings
    finally:
        _overrides.remove(settings)


def markdown_table() -> str:
    """The table of docs/settings.md: group, variable, default, from the classes themselves."""
    rows = ["| group | variable | default |", "| --- | --- | --- |"]
    for name, path, field in _fields(Settings):
        default = field.default
        if isinstance(default, Path):
            default = "<repo>/" + str(default.relative_to(ROOT)) if default.is_relative_to(ROOT) else default
        shown = f"`{default}`" if default not in ("", None) else "(empty)"
        group = ".".join(path[:-1]) or "(top)"
        code = "settings." + ".".join(path)
        rows.append(f"| {group} | `{PREFIX}{name.upper()}` → `{code}` | {shown} |")
    return "\n".join(rows)


if __name__ == "__main__":
    sys.stdout.write(markdown_table() + "\n")
