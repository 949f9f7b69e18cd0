"""Saying an answer with its citation: the text ends with the one-line source (every channel shows
it), and the message carries the citation's parts so the web widget can show the line and expand it."""

from __future__ import annotations

from typing import Any

from rasa_sdk.executor import CollectingDispatcher


def say_cited(dispatcher: CollectingDispatcher, text: str, cite: dict[str, Any], **kwargs: Any) -> None:
    dispatcher.utter_message(text=f"{text}\n{cite['line']}", json_message=cite, **kwargs)
