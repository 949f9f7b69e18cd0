"""Socket.IO across Rasa replicas: python-socketio's Redis client manager, when Redis is configured.

Each Rasa replica runs its own Socket.IO server, and a browser's socket lives on
one of them (nginx keeps a browser on one replica: docs/scale-out.md). A message
for that socket can start on another replica: a staff reply or checklist that the
console runs through Rasa's HTTP API (``/execute`` with ``output_channel=latest``)
lands on whichever replica nginx picked. With the Redis manager every emit is
published on Redis and each replica delivers it to the sockets it holds, so the
message reaches the browser wherever it was emitted. Without ``redis_url`` (one
Rasa server) the default in-process manager is kept. The manager is given to the
``AsyncServer`` when the channel makes it (python-socketio's ``client_manager``).
"""

from __future__ import annotations

from typing import Any

from bot.settings import Settings, get_settings

CHANNEL = "onceonly-socketio"


def replica_manager(settings: Settings | None = None) -> Any | None:
    """python-socketio's Redis manager when Redis is configured (several replicas), else None
    (``AsyncServer``'s own in-process manager)."""
    settings = settings or get_settings()
    if not settings.scale.redis_url:
        return None
    import socketio

    return socketio.AsyncRedisManager(settings.scale.redis_url, channel=CHANNEL)
