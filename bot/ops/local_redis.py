"""A Redis server of our own, in a directory of ours, from Debian's ``redis-server``.

Scale-out runs and the tests start their own Redis on a free loopback port with a
password of the run's own, rather than depend on one a person happens to run.
Redis keeps Rasa's conversation locks and the Socket.IO manager's channel: small,
short-lived state, written to an append-only file all the same, so a restart loses
nothing that was written before it.
"""

from __future__ import annotations

import secrets
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.ops.procs import Service, ServiceFailed


def redis_server_binary() -> str:
    found = shutil.which("redis-server") or (
        "/usr/bin/redis-server" if Path("/usr/bin/redis-server").exists() else None
    )
    if not found:
        raise FileNotFoundError("redis-server not found: run 'make system-deps' (Debian's redis-server)")
    return found


@dataclass
class LocalRedis(Service):
    """``redis-server`` as a :class:`Service`; healthy when it answers PING with our password."""

    password: str = ""

    @classmethod
    def create(cls, base_dir: Path, port: int) -> LocalRedis:
        base_dir.mkdir(parents=True, exist_ok=True)
        password = secrets.token_hex(16)
        conf = base_dir / "redis.conf"
        conf.write_text(
            "\n".join(
                [
                    f"port {port}",
                    "bind 127.0.0.1",
                    "protected-mode yes",
                    f"requirepass {password}",
                    f"dir {base_dir}",
                    "appendonly yes",
                    "appendfsync everysec",
                    'save ""',
                    "daemonize no",
                    "loglevel warning",
                ]
            )
            + "\n",
            encoding="utf-8",
        )
        return cls(
            "redis",
            [redis_server_binary(), str(conf)],
            f"redis://:{password}@127.0.0.1:{port}/0",
            base_dir / "redis.log",
            password=password,
        )

    def client(self) -> Any:  # a redis.Redis, imported lazily
        import redis

        return redis.Redis.from_url(self.url, socket_timeout=2)

    def wait_ready(self, timeout: float = 30.0) -> LocalRedis:
        import redis

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise ServiceFailed(f"redis exited with {self.process.returncode}:\n{self.tail()}")
            try:
                if self.client().ping():
                    return self
            except redis.RedisError:
                pass
            time.sleep(0.1)
        raise ServiceFailed(f"redis not answering PING after {timeout}s:\n{self.tail()}")
