"""The Rasa agent of the running server, for input channels that read a conversation's tracker.

Rasa gives an input channel only ``on_new_message``; the agent (and its tracker store)
is what Rasa's server keeps on the Sanic app as ``app.ctx.agent``
(``rasa.server.create_app`` and ``rasa.core.run.load_agent_on_start``), undocumented.
Contract: tests/rasa_compat/test_app.py.
"""

from __future__ import annotations

from typing import Any


def agent_of(app: Any) -> Any | None:
    """The agent Rasa's server keeps on ``app``, None before it is loaded (or without an app)."""
    if app is None:
        return None
    return getattr(app.ctx, "agent", None)
