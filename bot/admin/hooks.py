"""What else happens when a change is published: subscribers such as the background retrain.

The editor calls every function in :data:`on_publish` with the published change's record
(``id``, ``change``, ``source``, ``author``, ``reviewer``, ``lines``, ``touches_model``) after the
files are written. A subscriber that fails is logged and the publish stands: the registry
files are already the truth, and a failed retrain keeps the old model (bot/retrain).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

on_publish: list[Callable[[dict[str, Any]], None]] = []

# Operations that change what the NLU model learns from: names and aliases of guides and materials,
# the situation questions' options and keywords, and merges (a material's names move).
MODEL_OPS = frozenset({"names", "questions", "merge"})


def published_touches_model(change: dict[str, Any]) -> bool:
    """Whether a published change (its JSON, or a publish record holding it under ``change``)
    touches the training data, so the model must be retrained for the bot to understand it."""
    body = change.get("change", change)
    changes = body.get("changes") or [body]
    return any(op.get("op") in MODEL_OPS for c in changes for op in c.get("ops") or [])


def run_publish_hooks(record: dict[str, Any]) -> None:
    for hook in list(on_publish):
        try:
            hook(record)
        except Exception:  # a subscriber's failure must not undo or hide the publish
            log.exception("on_publish hook %r failed for draft %s", hook, record.get("id"))
