"""The one-time notice as an HTML page for screen and A4 print (and, printed by Chromium, the PDF).

Only layout lives here (the template ``bot/notice/templates/notice.html``): the words are
:func:`bot.render.notice_words`, the same reading of the checklist the chat and the SMS give.
Every value is HTML-escaped by the template (bot/templating.py). Each material row
carries ``data-material`` and ``data-status`` so a test (or a screen reader's table
navigation) can check the notice against the registry's checklist. For the PDF, the
stylesheet is inlined (Chromium prints a local file, with nothing to fetch).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.render import version_text
from bot.templating import Markup, render

STATIC = Path(__file__).resolve().parent.parent / "web" / "static"


@dataclass(frozen=True)
class NoticeMeta:
    """What the page says about the notice itself, beside the registry's words."""

    code: str
    header: str
    generated: str  # the date and time this page was made, in office time
    pdf_url: str | None = None  # None when rendering the PDF itself
    plain_url: str | None = None  # the stable link, shown on the personal variant
    personal_until: str | None = None  # when the personal variant stops opening
    personal_expired: bool = False


def notice_page(
    words: dict[str, Any], meta: NoticeMeta, changes: dict[str, Any], inline_css: bool = False
) -> str:
    """The whole page. ``inline_css`` for the PDF (a local file Chromium prints as it is)."""
    emblem = (STATIC / "emblem.svg").read_text(encoding="utf-8").replace('role="img"', 'aria-hidden="true"')
    css = (STATIC / "notice.css").read_text(encoding="utf-8") if inline_css else None
    return render(
        "notice.html",
        words=words,
        meta=meta,
        changes=changes,
        emblem=Markup(emblem),  # our own file, inlined as markup
        inline_css=None if css is None else Markup(css),
        version_text=version_text,
    )
