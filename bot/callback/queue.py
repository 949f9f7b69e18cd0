"""Open callback requests as entries of the staff console's queue (bot/web/console.py)."""

from __future__ import annotations

from typing import Any

from bot.callback.store import CallbackBook


def queue_items(book: CallbackBook) -> list[dict[str, Any]]:
    """Open callback requests as entries of the console's queue (masked numbers only)."""
    return [
        {
            "kind": "callback",
            "id": f"callback-{c['id']}",
            "callback_id": c["id"],
            "scenario": {"id": c["scenario_id"], "name": c["scenario_name"]} if c["scenario_id"] else None,
            "channel": c["channel"],
            "phone_masked": c["phone_masked"],
            "window_label": c["window_label"],
            "requested_at": c["created_at"],
            "handoff": "callback",
        }
        for c in book.pending()
    ]
