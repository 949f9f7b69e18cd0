"""Where a notice is: ``/n/<code>`` (stable, no personal data) and its sealed personal variant.

The plain link names only a code the registry issued for (scenario, answers, version).
A signed-in citizen's notice also shows their reusable materials; that variant adds
``?k=<token>``, the citizen id sealed (encrypted, authenticated) and expiring after
``notice_personal_hours`` (bot/sealed.py). Opened later, it falls back to the plain notice.
"""

from __future__ import annotations

from urllib.parse import quote

from bot.sealed import Sealer
from bot.settings import Settings

PURPOSE = "notice"


def notice_url(settings: Settings, code: str, personal: str | None = None) -> str:
    url = f"{settings.web.url}/n/{code}"
    return f"{url}?k={quote(personal, safe='')}" if personal else url


def pdf_url(settings: Settings, code: str, personal: str | None = None) -> str:
    url = f"{settings.web.url}/n/{code}/pdf"
    return f"{url}?k={quote(personal, safe='')}" if personal else url


def personal_token(settings: Settings, code: str, citizen_id: str) -> str:
    return Sealer(settings.secrets.link_secret, PURPOSE).seal({"code": code, "citizen": citizen_id})


def citizen_of(settings: Settings, code: str, token: str | None) -> str | None:
    """The citizen a personal token is for, if it is genuine, unexpired and for this notice."""
    opened = Sealer(settings.secrets.link_secret, PURPOSE).open(token, settings.notice.personal_hours * 3600)
    if not opened or opened.get("code") != code or not isinstance(opened.get("citizen"), str):
        return None
    return opened["citizen"]


def personal_expiry(settings: Settings, token: str) -> float | None:
    """When a personal token stops opening (epoch seconds), if it is genuine."""
    return Sealer(settings.secrets.link_secret, PURPOSE).expires_at(
        token, settings.notice.personal_hours * 3600
    )


def notice_links(settings: Settings, code: str, citizen_id: str | None = None) -> dict[str, object]:
    """What an answer offers: the notice and its PDF (personal while it lasts), and the plain link."""
    token = personal_token(settings, code, citizen_id) if citizen_id else None
    return {
        "code": code,
        "url": notice_url(settings, code, token),
        "pdf": pdf_url(settings, code, token),
        "plain_url": notice_url(settings, code),
        "personal_hours": settings.notice.personal_hours if token else None,
    }
