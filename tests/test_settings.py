"""Settings: every variable still named as the docs say, grouped, overridable, refused in production."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.settings import (
    ROOT,
    DevelopmentValuesInProduction,
    Settings,
    get_settings,
    load_settings,
    markdown_table,
    override_settings,
    reload_settings,
    variables,
)

# Every secret whose development default production must refuse, by its variable.
SECRETS = [
    "ONCEONLY_REGISTRY_TOKEN",
    "ONCEONLY_CITIZEN_TOKEN_SECRET",
    "ONCEONLY_RASA_API_TOKEN",
    "ONCEONLY_STAFF_TOKEN",
    "ONCEONLY_LINK_SECRET",
    "ONCEONLY_DATA_SECRET",
]


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """No ONCEONLY_* variable from the calling shell leaks into a test."""
    import os

    for name in [n for n in os.environ if n.startswith("ONCEONLY_")]:
        monkeypatch.delenv(name)
    return monkeypatch


def production_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ONCEONLY_ENV", "production")
    for name in SECRETS:
        monkeypatch.setenv(name, f"a-real-{name.lower()}")
    monkeypatch.setenv("ONCEONLY_LOAD_DEMO_CITIZENS", "false")


def test_every_variable_the_repository_names_is_a_setting():
    """Docs, Makefile, tests and deployment notes name variables; each must still be read."""
    tracked = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    named: set[str] = set()
    for file in tracked:
        path = ROOT / file
        if file == "tests/test_settings.py" or not path.is_file():
            continue
        if path.suffix in {".py", ".md", ".yml", ".yaml", ".toml", ".txt", ""}:
            named |= set(re.findall(r"ONCEONLY_([A-Z0-9_]*[A-Z0-9])\b", path.read_text(errors="replace")))
    known = {name.upper() for name in variables()}
    # Families such as ONCEONLY_WECHAT_* are prefixes of settings, not settings.
    unknown = {n for n in named - known if not any(k.startswith(n + "_") for k in known)}
    assert not unknown, f"variables named in the repository that no setting reads: {sorted(unknown)}"


def test_the_variables_of_before_the_groups_keep_working(clean_env):
    expected = {
        "ONCEONLY_REGISTRY_PORT": ("5101", lambda s: s.registry.port == 5101),
        "ONCEONLY_REGISTRY_DB_URL": ("sqlite:///x.db", lambda s: s.registry_store_url == "sqlite:///x.db"),
        "ONCEONLY_VAR_DIR": ("/tmp/onceonly-var", lambda s: s.var_dir == Path("/tmp/onceonly-var")),
        "ONCEONLY_SCALED": ("true", lambda s: s.scale.enabled is True),
        "ONCEONLY_LOAD_DEMO_CITIZENS": ("0", lambda s: s.registry.load_demo_citizens is False),
        "ONCEONLY_MAX_BODY_BYTES": ("1000", lambda s: s.registry.max_body_bytes == 1000),
        "ONCEONLY_PUBLIC_WEB_URL": ("https://x.example/", lambda s: s.web.url == "https://x.example"),
        "ONCEONLY_PUBLIC_RASA_URL": ("https://r.example", lambda s: s.rasa.widget_url == "https://r.example"),
        "ONCEONLY_WECHAT_APP_ID": ("wx1", lambda s: s.channels.wechat.app_id == "wx1"),
        "ONCEONLY_WECOM_AGENT_ID": ("7", lambda s: s.channels.wecom.agent_id == "7"),
        "ONCEONLY_TELEGRAM_ACCESS_TOKEN": ("1:t", lambda s: s.channels.telegram.access_token == "1:t"),
        "ONCEONLY_WEIXIN_REPLY_SECONDS": ("1.5", lambda s: s.channels.weixin_reply_seconds == 1.5),
        "ONCEONLY_OFFICE_HOURS": ("always", lambda s: s.office.hours == "always"),
        "ONCEONLY_NOTICE_PERSONAL_HOURS": ("5", lambda s: s.notice.personal_hours == 5),
        "ONCEONLY_SMS_SEGMENT_CHARS": ("60", lambda s: s.notice.sms_segment_chars == 60),
        "ONCEONLY_RETENTION_DAYS": ("9", lambda s: s.privacy.retention_days == 9),
        "ONCEONLY_STAFF_TOKEN": ("staff", lambda s: s.secrets.staff_token == "staff"),
        "ONCEONLY_HOTLINE": ("110", lambda s: s.contact.hotline == "110"),
    }
    for name, (value, _) in expected.items():
        clean_env.setenv(name, value)
    settings = load_settings()
    wrong = [name for name, (_, holds) in expected.items() if not holds(settings)]
    assert not wrong


def test_defaults_are_the_embedded_one_machine_stack(clean_env):
    s = load_settings()
    assert (s.registry.port, s.rasa.port, s.rasa.action_port, s.web.port) == (5100, 5005, 5055, 8080)
    assert s.registry_store_url == f"sqlite:///{ROOT / 'var' / 'registry.sqlite3'}"
    assert s.web.url == "http://localhost:8080" and s.rasa.widget_url == s.rasa.url
    assert s.env == "development" and not s.scale.enabled


def test_explicit_overrides_win_and_use_the_variable_names(clean_env):
    clean_env.setenv("ONCEONLY_REGISTRY_PORT", "5101")
    s = load_settings(registry_port=5102, staff_token="t", wechat_api_base="http://127.0.0.1:9")
    assert s.registry.port == 5102 and s.secrets.staff_token == "t"
    assert s.channels.wechat.api_base == "http://127.0.0.1:9"
    with pytest.raises(KeyError, match="ONCEONLY_NO_SUCH"):
        load_settings(no_such=1)


def test_settings_are_validated_and_frozen(clean_env):
    clean_env.setenv("ONCEONLY_REGISTRY_PORT", "not-a-port")
    with pytest.raises(ValidationError):
        load_settings()
    s = load_settings(registry_port=1)
    with pytest.raises(TypeError):
        s.registry.port = 2  # type: ignore[misc]
    assert s.replace(registry_port=3).registry.port == 3 and s.registry.port == 1


def test_the_environment_of_a_child_process_gives_the_same_settings(clean_env):
    s = load_settings(var_dir=Path("/tmp/x"), registry_port=5109, scaled=True, wecom_agent_id="9")
    for name, value in s.environment().items():
        clean_env.setenv(name, value)
    assert load_settings() == s
    assert set(s.environment()) == {f"ONCEONLY_{n.upper()}" for n in variables()}


def test_override_settings_is_what_code_reading_settings_sees(clean_env):
    before = get_settings()
    with override_settings(registry_url="http://127.0.0.1:9", hotline="110") as inner:
        assert get_settings() is inner and inner.contact.hotline == "110"
        with override_settings(hotline="120"):
            assert get_settings().registry.url == "http://127.0.0.1:9"
            assert get_settings().contact.hotline == "120"
        assert get_settings() is inner
    assert get_settings() is before


def test_get_settings_reads_the_environment_once_until_reloaded(clean_env):
    first = reload_settings()
    clean_env.setenv("ONCEONLY_RETENTION_DAYS", "3")
    assert get_settings() is first
    try:
        assert reload_settings().privacy.retention_days == 3
    finally:
        clean_env.delenv("ONCEONLY_RETENTION_DAYS")
        reload_settings()


def test_the_actions_registry_client_follows_the_settings_in_force():
    from actions.context import registry

    with override_settings(registry_url="http://127.0.0.1:9/", registry_token="t"):
        assert registry.base_url == "http://127.0.0.1:9"
    with override_settings(registry_url="http://127.0.0.1:10"):
        assert registry.base_url == "http://127.0.0.1:10"


def test_production_refuses_every_development_secret_by_name(clean_env):
    clean_env.setenv("ONCEONLY_ENV", "production")
    with pytest.raises(DevelopmentValuesInProduction) as refused:
        load_settings()
    for name in [*SECRETS, "ONCEONLY_LOAD_DEMO_CITIZENS"]:
        assert name in str(refused.value)


@pytest.mark.parametrize("secret", SECRETS)
def test_production_refuses_each_secret_left_alone(clean_env, secret):
    production_env(clean_env)
    clean_env.delenv(secret)
    with pytest.raises(DevelopmentValuesInProduction, match=secret) as refused:
        load_settings()
    assert [n for n in SECRETS if n in str(refused.value)] == [secret]


def test_production_refuses_any_dev_value_and_empty_secrets(clean_env):
    production_env(clean_env)
    clean_env.setenv("ONCEONLY_STAFF_TOKEN", "dev-mine")
    with pytest.raises(DevelopmentValuesInProduction, match="ONCEONLY_STAFF_TOKEN"):
        load_settings()
    clean_env.setenv("ONCEONLY_STAFF_TOKEN", "")
    with pytest.raises(DevelopmentValuesInProduction, match="ONCEONLY_STAFF_TOKEN"):
        load_settings()


def test_production_with_secrets_of_its_own_starts(clean_env):
    production_env(clean_env)
    settings = load_settings()
    assert settings.production and not settings.registry.load_demo_citizens
    with pytest.raises(DevelopmentValuesInProduction, match="ONCEONLY_DATA_SECRET"):
        settings.replace(data_secret="dev-data-secret-change-me-in-production")


def test_production_refuses_the_development_channel_credentials(clean_env):
    from bot.channels.channel_config import credential_values

    production_env(clean_env)
    settings = load_settings()
    section = {"token": "onceonly-dev-wechat-token", "app_id": "wxdev"}
    with pytest.raises(DevelopmentValuesInProduction, match="ONCEONLY_WECHAT_TOKEN.*ONCEONLY_WECHAT_APP_ID"):
        credential_values(settings, section, "wechat", ["token", "app_id"])
    real = settings.replace(wechat_token="real", wechat_app_id="wxreal")
    assert credential_values(real, section, "wechat", ["token", "app_id"]) == {
        "token": "real",
        "app_id": "wxreal",
    }
    # Development keeps using credentials.yml where no variable is set.
    dev = load_settings(env="development", load_demo_citizens=True)
    assert credential_values(dev, section, "wechat", ["token"]) == {"token": "onceonly-dev-wechat-token"}


def test_a_service_in_production_with_development_secrets_does_not_start(clean_env):
    env = {"ONCEONLY_ENV": "production", "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, "-m", "bot", "registry", "serve"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0
    assert "ONCEONLY_REGISTRY_TOKEN" in done.stderr and "ONCEONLY_ENV=production" in done.stderr


def test_an_unknown_mode_is_refused(clean_env):
    clean_env.setenv("ONCEONLY_ENV", "prod")
    with pytest.raises(ValidationError):
        load_settings()


def test_the_docs_list_every_variable():
    page = (ROOT / "docs" / "settings.md").read_text(encoding="utf-8")
    assert markdown_table() in page, "regenerate the table: python -m bot.settings"
    assert isinstance(get_settings(), Settings)
