"""The console's staff login: the staff token (setting ``staff_token``) and who is signing in.

A staff member types their name (or staff number) and the staff token; the server
answers with a session cookie that names them, signed with a key derived from the
token (HttpOnly, SameSite=Strict, only under ``/console``), so every audit entry
says who. Scripts may instead send ``Authorization: Bearer <staff token>`` and
``X-Staff-Name`` (percent-encoded UTF-8 for names outside ASCII). Anything else gets 401. Changing the token signs everyone out.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import time
from urllib.parse import unquote

from fastapi import Request

COOKIE = "onceonly_staff"
COOKIE_PATH = "/console"
SESSION_SECONDS = 12 * 3600
# Letters (any script, so 张三 too), digits, space, dot, middle dot, hyphen, underscore.
_STAFF_NAME = re.compile(r"^[\w .·-]{1,32}$")


def valid_staff_name(name: object) -> str | None:
    if not isinstance(name, str):
        return None
    name = name.strip()
    return name if name and _STAFF_NAME.match(name) else None


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class StaffAuth:
    def __init__(self, staff_token: str) -> None:
        self._token = staff_token.encode()
        self._key = hashlib.sha256(b"onceonly console session\0" + self._token).digest()

    def token_ok(self, given: object) -> bool:
        return (
            isinstance(given, str) and bool(self._token) and hmac.compare_digest(given.encode(), self._token)
        )

    def _sign(self, payload: str) -> str:
        return _b64(hmac.new(self._key, payload.encode(), hashlib.sha256).digest())

    def session_cookie(self, staff: str, now: float | None = None) -> str:
        expires = int((now if now is not None else time.time()) + SESSION_SECONDS)
        payload = _b64(json.dumps({"staff": staff, "exp": expires}, ensure_ascii=False).encode())
        return f"{payload}.{self._sign(payload)}"

    def staff_from_cookie(self, value: str | None, now: float | None = None) -> str | None:
        if not value or len(value) > 1024 or value.count(".") != 1:
            return None
        payload, signature = value.split(".")
        if not hmac.compare_digest(signature, self._sign(payload)):
            return None
        try:
            claims = json.loads(_unb64(payload))
        except ValueError:
            return None
        if not isinstance(claims, dict) or not isinstance(claims.get("exp"), int):
            return None
        if claims["exp"] < (now if now is not None else time.time()):
            return None
        return valid_staff_name(claims.get("staff"))

    def staff_of(self, request: Request) -> str | None:
        """Who is asking, if they hold the staff token (as a session cookie or a bearer header)."""
        authorization = request.headers.get("authorization") or ""
        if authorization.startswith("Bearer "):
            if self.token_ok(authorization[len("Bearer ") :]):
                return valid_staff_name(unquote(request.headers.get("x-staff-name") or ""))
            return None
        return self.staff_from_cookie(request.cookies.get(COOKIE))
