"""Every HTML page we serve is a Jinja2 template rendered by this one environment.

Autoescaped (``.html`` templates and template strings), so a value from the registry, a
setting or a request can never become markup: only what the code marks :class:`Markup`
(our own stylesheet and emblem) goes in as it is. ``StrictUndefined``: a name a template
uses that the code forgot to pass fails loudly instead of printing nothing, and ``None``
prints as nothing rather than "None". Templates live beside the code that fills them
(``bot/web/templates``, ``bot/notice/templates``, ``bot/callback/templates``); one loader
searches all three, so a file name is unique across them.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

BOT = Path(__file__).resolve().parent
FOLDERS = (
    BOT / "web" / "templates",
    BOT / "notice" / "templates",
    BOT / "callback" / "templates",
    BOT / "dashboard" / "templates",
    BOT / "retrain" / "templates",
    BOT / "registry_import" / "templates",
    BOT / "admin" / "templates",
)

__all__ = ["Markup", "environment", "render"]


def _printable(value: Any) -> Any:
    return "" if value is None else value


@lru_cache(maxsize=1)
def environment() -> Environment:
    """The one environment (templates are compiled once and cached in it)."""
    env = Environment(
        loader=FileSystemLoader([str(folder) for folder in FOLDERS]),
        autoescape=select_autoescape(["html"], default_for_string=True, default=True),
        undefined=StrictUndefined,
        finalize=_printable,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["thousands"] = lambda n: f"{n:,}"
    return env


def render(name: str, **values: Any) -> str:
    """The template ``name`` filled with ``values`` (each escaped unless it is Markup)."""
    return environment().get_template(name).render(**values)
