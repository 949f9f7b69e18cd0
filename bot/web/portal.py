"""The demo portal: a government-portal-like page with the widget, and its demo sign-in.

A real portal signs its own citizens in and hands the widget a signed citizen token
(bot/identity.py). The demo portal lets a visitor act as one of the clearly-marked
demo citizens: *our server* signs the token (it holds the secret); the browser never
mints one. The demo sign-in exists only while ``load_demo_citizens`` is on.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

from bot.identity import sign_citizen_token
from bot.jsonapi import ApiError
from bot.settings import Settings
from bot.templating import render

STATIC = Path(__file__).resolve().parent / "static"
TOKEN_SECONDS = 3600


@lru_cache(maxsize=4)
def demo_citizens(registry_dir: Path) -> dict[str, str]:
    """Demo citizen id → label, from the registry's demo data."""
    data = yaml.safe_load((registry_dir / "demo_citizens.yml").read_text(encoding="utf-8")) or {}
    return {c["id"]: c.get("label") or c["id"] for c in data.get("citizens") or []}


def demo_token(settings: Settings, citizen_id: str) -> dict[str, object]:
    if not settings.registry.load_demo_citizens:
        raise ApiError(404, "demo_off", "演示登录未开启")
    if citizen_id not in demo_citizens(settings.registry.dir):
        raise ApiError(404, "unknown_demo_citizen", f"没有演示用户 {citizen_id!r}")
    token = sign_citizen_token(citizen_id, settings.secrets.citizen_token_secret, TOKEN_SECONDS)
    return {"citizen_token": token, "citizen_id": citizen_id, "expires_in": TOKEN_SECONDS}


def page(name: str, **values: object) -> str:
    """A page from ``bot/web/templates`` filled with ``values`` (bot/templating.py escapes them)."""
    return render(name, **values)


def portal_page(settings: Settings) -> str:
    citizens = demo_citizens(settings.registry.dir) if settings.registry.load_demo_citizens else {}
    return page("portal.html", rasa_url=settings.rasa.widget_url, demo_citizens=citizens)
