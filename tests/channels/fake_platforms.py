"""Local stand-ins for the platforms' servers we cannot reach from here, as real HTTP servers.

Each checks what we send against the platform's documented API, records it, and
answers as the documentation shows. A request that breaks the protocol is answered
with the platform's error and recorded in ``violations`` (tests assert it stays empty).

Sources of the shapes used:
- WeChat access token: https://developers.weixin.qq.com/doc/offiaccount/Basic_Information/Get_access_token.html
  (GET /cgi-bin/token?grant_type=client_credential&appid=APPID&secret=APPSECRET →
  {"access_token":"ACCESS_TOKEN","expires_in":7200}; error {"errcode":40013,"errmsg":"invalid appid"})
- WeChat customer-service message:
  https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Service_Center_messages.html
  (POST /cgi-bin/message/custom/send?access_token=ACCESS_TOKEN
  {"touser":"OPENID","msgtype":"text","text":{"content":"Hello World"}})
- WeCom access token: https://developer.work.weixin.qq.com/document/path/91039
  (GET /cgi-bin/gettoken?corpid=ID&corpsecret=SECRET →
  {"errcode":0,"errmsg":"ok","access_token":"accesstoken000001","expires_in":7200})
- WeCom app message: https://developer.work.weixin.qq.com/document/path/90236
  (POST /cgi-bin/message/send?access_token=ACCESS_TOKEN
  {"touser":"UserID1|UserID2","msgtype":"text","agentid":1,"text":{"content":"…"},"safe":0};
  "消息内容，最长不超过2048个字节")
- Global error codes (both): 40014 invalid access_token, 42001 access_token expired.
- Telegram Bot API: https://core.telegram.org/bots/api (getMe, setWebhook with secret_token,
  sendMessage: text 1-4096 characters; InlineKeyboardButton.callback_data 1-64 bytes).
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

TEXT_LIMIT_BYTES = 2048


@dataclass
class Sent:
    """One message a fake received for delivery."""

    to: str
    text: str
    token: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


class FakeServer:
    """A threaded HTTP server on a given local port; subclasses answer ``handle``."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.lock = threading.Lock()
        self.sent: list[Sent] = []
        self.violations: list[str] = []
        self.calls: list[str] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                url = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                with fake.lock:
                    fake.calls.append(url.path)
                status, answer = fake.handle(self.command, url.path, query, body, dict(self.headers))
                data = json.dumps(answer, ensure_ascii=False).encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = _serve

            def log_message(self, *_: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def handle(
        self, method: str, path: str, query: dict[str, str], body: bytes, headers: dict[str, str]
    ) -> tuple[int, dict[str, Any]]:
        raise NotImplementedError

    def start(self) -> FakeServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def violation(self, text: str) -> None:
        with self.lock:
            self.violations.append(text)

    def sent_to(self, user: str) -> list[Sent]:
        with self.lock:
            return [s for s in self.sent if s.to == user]

    def wait_for(self, user: str, count: int, timeout: float = 30.0, settle: float = 0.7) -> list[Sent]:
        """The messages sent to ``user`` once at least ``count`` arrived and no more came for ``settle`` s."""
        deadline = time.monotonic() + timeout
        seen, quiet_since = -1, time.monotonic()
        while time.monotonic() < deadline:
            now = len(self.sent_to(user))
            if now != seen:
                seen, quiet_since = now, time.monotonic()
            elif now >= count and time.monotonic() - quiet_since >= settle:
                break
            time.sleep(0.05)
        return self.sent_to(user)


class FakeWeixinApi(FakeServer):
    """WeChat's (``wechat``) or WeCom's (``wecom``) token and message endpoints."""

    def __init__(
        self, platform: str, port: int, account_id: str, secret: str, agent_id: int | None = None
    ) -> None:
        super().__init__(port)
        self.platform, self.account_id, self.secret, self.agent_id = platform, account_id, secret, agent_id
        self.tokens_issued: list[str] = []
        self.expired: set[str] = set()
        self.token_lifetime = 7200

    def expire_tokens(self) -> None:
        """From now on every token issued so far is answered 42001 (access_token expired)."""
        with self.lock:
            self.expired.update(self.tokens_issued)

    def _token(self, query: dict[str, str]) -> tuple[int, dict[str, Any]]:
        if self.platform == "wechat":
            if query.get("grant_type") != "client_credential":
                return 200, {"errcode": 40002, "errmsg": "invalid grant_type"}
            if query.get("appid") != self.account_id:
                return 200, {"errcode": 40013, "errmsg": "invalid appid"}
            if query.get("secret") != self.secret:
                return 200, {"errcode": 40001, "errmsg": "invalid credential, access_token is invalid"}
        else:
            if query.get("corpid") != self.account_id:
                return 200, {"errcode": 40013, "errmsg": "invalid corpid"}
            if query.get("corpsecret") != self.secret:
                return 200, {"errcode": 40001, "errmsg": "invalid secret"}
        token = "TOKEN-" + secrets.token_hex(8)
        with self.lock:
            self.tokens_issued.append(token)
        answer: dict[str, Any] = {"access_token": token, "expires_in": self.token_lifetime}
        return 200, ({"errcode": 0, "errmsg": "ok", **answer} if self.platform == "wecom" else answer)

    def _send(self, query: dict[str, str], body: bytes) -> tuple[int, dict[str, Any]]:
        token = query.get("access_token", "")
        with self.lock:
            known, expired = token in self.tokens_issued, token in self.expired
        if not known:
            return 200, {"errcode": 40014, "errmsg": "invalid access_token"}
        if expired:
            return 200, {"errcode": 42001, "errmsg": "access_token expired"}
        try:
            raw = body.decode("utf-8")
            payload = json.loads(raw)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            self.violation(f"body is not UTF-8 JSON: {exc}")
            return 200, {"errcode": 47001, "errmsg": "data format error"}
        if "\\u" in raw:
            self.violation("Chinese sent as \\u escapes (the SDKs send raw UTF-8)")
        content = (payload.get("text") or {}).get("content")
        problems = [
            "touser missing" if not isinstance(payload.get("touser"), str) or not payload["touser"] else "",
            "msgtype is not text" if payload.get("msgtype") != "text" else "",
            "text.content missing" if not isinstance(content, str) or not content else "",
            "text.content over 2048 bytes"
            if isinstance(content, str) and len(content.encode()) > TEXT_LIMIT_BYTES
            else "",
            "agentid wrong" if self.platform == "wecom" and payload.get("agentid") != self.agent_id else "",
        ]
        problems = [p for p in problems if p]
        if problems:
            self.violation("; ".join(problems))
            return 200, {"errcode": 44004, "errmsg": "; ".join(problems)}
        with self.lock:
            self.sent.append(Sent(payload["touser"], content, token, payload))
        return 200, {"errcode": 0, "errmsg": "ok"}

    def handle(
        self, method: str, path: str, query: dict[str, str], body: bytes, headers: dict[str, str]
    ) -> tuple[int, dict[str, Any]]:
        token_path = "/cgi-bin/token" if self.platform == "wechat" else "/cgi-bin/gettoken"
        send_path = "/cgi-bin/message/custom/send" if self.platform == "wechat" else "/cgi-bin/message/send"
        if method == "GET" and path == token_path:
            return self._token(query)
        if method == "POST" and path == send_path:
            return self._send(query, body)
        self.violation(f"unexpected {method} {path}")
        return 404, {"errcode": 404, "errmsg": "not found"}


class FakeTelegramApi(FakeServer):
    """The Bot API methods Rasa's Telegram channel calls: getMe, setWebhook, sendMessage."""

    def __init__(self, port: int, token: str, username: str) -> None:
        super().__init__(port)
        self.token, self.username = token, username
        self.webhooks: list[dict[str, str]] = []

    def handle(
        self, method: str, path: str, query: dict[str, str], body: bytes, headers: dict[str, str]
    ) -> tuple[int, dict[str, Any]]:
        prefix = f"/bot{self.token}/"
        if not path.startswith(prefix):
            return 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
        api_method = path[len(prefix) :].lower()
        content_type = headers.get("Content-Type", "")
        if "json" in content_type:
            params = json.loads(body or b"{}")
        else:
            params = {k: v[0] for k, v in parse_qs(body.decode("utf-8")).items()}
        if api_method == "getme":
            return 200, {
                "ok": True,
                "result": {"id": 123456, "is_bot": True, "first_name": "Onceonly", "username": self.username},
            }
        if api_method == "setwebhook":
            with self.lock:
                self.webhooks.append(params)
            return 200, {"ok": True, "result": True, "description": "Webhook was set"}
        if api_method == "sendmessage":
            text = params.get("text", "")
            markup = json.loads(params["reply_markup"]) if params.get("reply_markup") else None
            if not 1 <= len(text) <= 4096:
                self.violation(f"text of {len(text)} characters")
                return 400, {
                    "ok": False,
                    "error_code": 400,
                    "description": "Bad Request: message is too long",
                }
            for row in (markup or {}).get("inline_keyboard", []):
                for button in row:
                    if not 1 <= len(button.get("callback_data", "").encode()) <= 64:
                        self.violation(f"callback_data {button.get('callback_data')!r}")
                        return 400, {"ok": False, "error_code": 400, "description": "BUTTON_DATA_INVALID"}
            chat_id = str(params.get("chat_id"))
            with self.lock:
                self.sent.append(Sent(chat_id, text, extra={"reply_markup": markup}))
                number = len(self.sent)
            return 200, {
                "ok": True,
                "result": {
                    "message_id": number,
                    "date": int(time.time()),
                    "chat": {"id": int(chat_id), "type": "private"},
                    "text": text,
                },
            }
        self.violation(f"unexpected Bot API method {api_method}")
        return 404, {"ok": False, "error_code": 404, "description": "Not Found"}
