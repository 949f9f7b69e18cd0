"""Socket.IO across Rasa replicas: python-socketio's Redis client manager, when Redis is configured.

Each Rasa replica runs its own Socket.IO server, and a browser's socket lives on
one of them (nginx keeps a browser on one replica: README "Scale-out"). A message
for that socket can start on another replica: a staff reply or checklist that the
console runs through Rasa's HTTP API (``/execute`` with ``output_channel=latest``)
lands on whichever replica nginx picked. With the Redis manager every emit is
published on Redis and each replica delivers it to the sockets it holds, so the
message reaches the browser wherever it was emitted. Without ``redis_url`` (one
Rasa server) the default in-process manager is kept.
"""

from __future__ import annotations

from typing import Any

from bot.settings import Settings, load_settings

CHANNEL = "onceonly-socketio"


def share_between_replicas(sio: Any, settings: Settings | None = None) -> bool:
    """Give ``sio`` (an ``AsyncServer`` no client has used yet) the Redis manager; True if it did."""
    settings = settings or load_settings()
    if not settings.redis_url:
        return False
    import socketio

    manager = socketio.AsyncRedisManager(settings.redis_url, channel=CHANNEL)
    sio.manager = manager
    manager.set_server(sio)
    return True
