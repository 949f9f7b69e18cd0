"""nginx from Debian's packages as the load balancer in front of Rasa replicas and action servers.

One ``nginx.conf`` rendered into a directory of ours (temp files, pid and error log
there too; no access log, since WeChat puts the person's OpenID in the query
string). Two listeners:

- ``rasa_port``: every HTTP request round-robin over the Rasa replicas; a request
  whose replica refuses the connection or dies before answering is passed to the
  next one (``non_idempotent``: a turn that never reached the tracker store is safe
  to run again, and the Redis lock store serialises turns of one conversation).
  Servers are never marked down (``max_fails=0``): a refused connection costs a
  millisecond on the way to the next server, and a restarted server is used again at
  once instead of after a grace period during which its peer may be restarting too.
  ``/socket.io/`` is sticky by client address (``ip_hash``): Engine.IO's long-polling
  handshake must keep talking to the replica that issued its session id, and the
  WebSocket upgrade is passed through.
  WeChat and WeCom keep their retry de-duplication and pending answers in the memory
  of the replica that got the message (bot/channels/turns.py): WeChat's posts go by
  the ``openid`` WeChat puts in the query string, so a person's messages and their
  retries meet on one replica; WeCom's carry no sender outside the ciphertext, so
  they go to the first replica while it is up (the others are its backups), which
  also keeps one access token per app.
- ``action_port``: the action servers, round-robin, with the same failover (actions
  only read: running one again is harmless).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from bot.ops.procs import Service, searchable_by_others

HEALTH_PATH = "/nginx-health"

_PROXY = """
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_next_upstream error http_502 non_idempotent;
      proxy_next_upstream_tries {tries};
      proxy_connect_timeout 2s;
      proxy_read_timeout 120s;"""


def nginx_binary() -> str:
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if not found:
        raise FileNotFoundError("nginx not found: run 'make system-deps' (Debian's nginx-light)")
    return found


def _servers(ports: list[int], flags: str = "") -> str:
    return "\n".join(f"    server 127.0.0.1:{p} max_fails=0{flags};" for p in ports)


def render_conf(
    base_dir: Path, rasa_port: int, rasa_ports: list[int], action_port: int, action_ports: list[int]
) -> str:
    temp = base_dir / "temp"
    rasa_proxy = _PROXY.replace("{tries}", str(len(rasa_ports)))
    action_proxy = _PROXY.replace("{tries}", str(len(action_ports)))
    return f"""# Rendered by bot/ops/nginx.py; see docs/scale-out.md.
worker_processes 1;
pid {base_dir}/nginx.pid;
error_log {base_dir}/error.log warn;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  client_body_temp_path {temp}/body;
  proxy_temp_path {temp}/proxy;
  fastcgi_temp_path {temp}/fastcgi;
  uwsgi_temp_path {temp}/uwsgi;
  scgi_temp_path {temp}/scgi;
  # Trackers posted to the action servers are held in memory, never in temp files.
  client_max_body_size 8m;
  client_body_buffer_size 8m;
  proxy_max_temp_file_size 0;
  server_tokens off;
  map $http_upgrade $connection_upgrade {{ default upgrade; '' close; }}

  upstream rasa {{
{_servers(rasa_ports)}
    keepalive 32;
    keepalive_timeout 2s;  # idle kept connections closed before Sanic's 5 s closes them under us
  }}
  upstream rasa_sticky {{
    ip_hash;
{_servers(rasa_ports)}
  }}
  upstream rasa_by_openid {{
    hash $arg_openid consistent;
{_servers(rasa_ports)}
  }}
  upstream rasa_primary {{
{_servers(rasa_ports[:1])}
{_servers(rasa_ports[1:], " backup")}
  }}
  upstream actions {{
{_servers(action_ports)}
    keepalive 32;
    keepalive_timeout 2s;  # idle kept connections closed before Sanic's 5 s closes them under us
  }}

  server {{
    listen 127.0.0.1:{rasa_port};
    location = {HEALTH_PATH} {{ return 200 "ok\\n"; }}
    location /socket.io/ {{
      proxy_pass http://rasa_sticky;
      proxy_http_version 1.1;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection $connection_upgrade;
      proxy_set_header Host $host;
      proxy_read_timeout 3600s;
      proxy_buffering off;
    }}
    location /webhooks/wechat/ {{
      proxy_pass http://rasa_by_openid;{rasa_proxy}
    }}
    location /webhooks/wecom/ {{
      proxy_pass http://rasa_primary;{rasa_proxy}
    }}
    location / {{
      proxy_pass http://rasa;{rasa_proxy}
    }}
  }}

  server {{
    listen 127.0.0.1:{action_port};
    location = {HEALTH_PATH} {{ return 200 "ok\\n"; }}
    location / {{
      proxy_pass http://actions;{action_proxy}
    }}
  }}
}}
"""


@dataclass
class Nginx(Service):
    """nginx in the foreground as a :class:`Service`; healthy when it answers on the Rasa port."""

    @classmethod
    def create(
        cls, base_dir: Path, rasa_port: int, rasa_ports: list[int], action_port: int, action_ports: list[int]
    ) -> Nginx:
        for sub in ("temp", "logs"):
            (base_dir / sub).mkdir(parents=True, exist_ok=True)
        searchable_by_others(base_dir / "temp")
        conf = base_dir / "nginx.conf"
        conf.write_text(
            render_conf(base_dir, rasa_port, rasa_ports, action_port, action_ports), encoding="utf-8"
        )
        argv = [nginx_binary(), "-p", str(base_dir), "-c", str(conf), "-e", str(base_dir / "error.log")]
        argv += ["-g", "daemon off;"]
        return cls(
            "nginx", argv, f"http://127.0.0.1:{rasa_port}", base_dir / "nginx.log", health_path=HEALTH_PATH
        )
